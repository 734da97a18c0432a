"""The action catalogue: every action has its rule, its update and its route, and they agree.

``workflows.rules.Action`` names the actions; a new one that misses its row in ``RULES`` (who, when), its
update on ``DisputeWorkflow`` or its route fails here, not on first use; so does a route whose body
accepts other fields or other limits than the update it sends.
"""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api import schemas
from api.app import create_app
from api.routes import actions
from workflows.dispute import DisputeWorkflow
from workflows.rules import RULES, Action

OPENAPI = create_app().openapi()  # only its routes: nothing is served
ROUTES = {route.name: route for route in actions.router.routes if isinstance(route, APIRoute)}


def _operation(route: APIRoute) -> dict[str, Any] | None:
    """The app's OpenAPI operation for ``route``: None unless the app serves it."""
    operation = OPENAPI["paths"].get(route.path, {}).get("post")
    return operation if operation and operation["operationId"] == route.unique_id else None


def test_every_action_has_its_rule_and_every_rule_its_action() -> None:
    assert set(RULES) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_every_action_is_an_update_of_the_same_name(action: Action) -> None:
    handler = getattr(DisputeWorkflow, action.value, None)
    assert handler is not None, f"DisputeWorkflow has no {action.value}"
    assert callable(getattr(handler, "validator", None)), f"{action.value} is not a @workflow.update"


def test_every_action_has_a_route_and_every_route_is_an_action() -> None:
    """The routes on one dispute are named after the actions, one each, and the app serves them."""
    assert set(ROUTES) == {action.value for action in Action}
    for name, route in ROUTES.items():
        assert route.methods == {"POST"} and route.path.startswith("/disputes/{dispute_id}/"), name
        assert _operation(route) is not None, f"the app does not serve {route.path}"


def _body(operation: dict[str, Any]) -> type[BaseModel]:
    """The model of an operation's JSON body (``SellerContactBody`` of ``SellerContactBody | None``)."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    (ref,) = [option["$ref"] for option in [schema, *schema.get("anyOf", [])] if "$ref" in option]
    model = getattr(schemas, ref.rsplit("/", 1)[1])
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def _fields(model: type[BaseModel]) -> tuple[dict[str, Any], list[str]]:
    """What ``model`` accepts but who acts: its fields' JSON schemas (types, limits), the required ones."""
    schema = model.model_json_schema()
    properties = {name: field for name, field in schema.get("properties", {}).items() if name != "actor"}
    return properties, sorted(name for name in schema.get("required", []) if name != "actor")


@pytest.mark.parametrize("action", list(Action))
def test_every_route_takes_the_fields_its_update_takes(action: Action) -> None:
    """The API's body and the workflow's action accept the same fields with the same limits (a question
    of at most 2 000 characters, at most 20 of them), so neither refuses what the other let through."""
    operation = _operation(ROUTES[action.value])
    assert operation is not None
    (update_argument,) = [
        hint
        for name, hint in get_type_hints(getattr(DisputeWorkflow, action.value)).items()
        if name != "return"
    ]
    assert _fields(_body(operation)) == _fields(update_argument)
