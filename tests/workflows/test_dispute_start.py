"""A dispute's workflow address and start options: the ids running disputes already have, no PII."""

from __future__ import annotations

from tests.factories import PII, dispute_input
from workflows import search_attributes as sa
from workflows.dispute_start import start_options, workflow_id
from workflows.models import Channel, SellerAccountStatus


def test_the_workflow_id_keeps_its_shape() -> None:
    assert workflow_id("3f1c0d9e") == "dispute-3f1c0d9e"


def test_the_start_options_name_the_dispute_and_nothing_of_the_customer() -> None:
    dispute = dispute_input(seller_id="S-1001", channel=Channel.CHAT)
    options = start_options(dispute)
    assert options["id"] == f"dispute-{dispute.dispute_id}"
    assert options["search_attributes"].get(sa.SELLER_ID) == "S-1001"
    assert options["static_summary"] == (
        f"dispute {dispute.dispute_id}: chat complaint about seller S-1001 (not_delivered)"
    )
    shown = f"{options['static_summary']} {[pair.value for pair in options['search_attributes']]}"
    assert not any(detail in shown for detail in PII)


def test_the_summary_names_the_reference_a_customer_quotes_and_the_id() -> None:
    dispute = dispute_input(seller_id="S-1001", channel=Channel.CHAT).model_copy(
        update={"reference": "J24-7KX4M2QJ"}
    )
    assert start_options(dispute)["static_summary"] == (
        f"dispute J24-7KX4M2QJ (id {dispute.dispute_id}): chat complaint about seller S-1001 (not_delivered)"
    )


def test_the_sellers_status_at_intake_is_a_search_attribute_given_at_start_only_when_known() -> None:
    dispute = dispute_input(seller_id="S-1001", channel=Channel.CHAT)
    flagged = start_options(dispute, SellerAccountStatus.RESTRICTED)["search_attributes"]
    assert flagged.get(sa.SELLER_STATUS_AT_INTAKE) == "restricted"
    assert start_options(dispute)["search_attributes"].get(sa.SELLER_STATUS_AT_INTAKE) is None
