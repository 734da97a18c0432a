#!/bin/sh
# Creates the namespace and the search attributes operators query disputes by (SEARCH_ATTRIBUTES:
# space-separated Name=Type). Safe to run again: existing ones are kept; a type clash is an error.
set -eu

address="$TEMPORAL_ADDRESS"
namespace="$TEMPORAL_NAMESPACE"

# A few tries, with a pause: the server answers before it serves, and a new namespace takes a few
# seconds to reach every frontend.
retry() {
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        if "$@"; then
            return 0
        fi
        echo "not yet (attempt $attempt): $*"
        sleep 3
    done
    return 1
}

# Closed histories hold the customers' data (encrypted) until the namespace's retention removes them: it
# is applied to an existing namespace too, and must stay shorter than the service's DATA_RETENTION.
ensure_namespace() {
    if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
        temporal operator namespace update --namespace "$namespace" --retention "$NAMESPACE_RETENTION" \
            --address "$address"
    else
        temporal operator namespace create --namespace "$namespace" --retention "$NAMESPACE_RETENTION" \
            --address "$address"
    fi
}

retry temporal operator cluster health --address "$address"
retry ensure_namespace
for attribute in $SEARCH_ATTRIBUTES; do
    retry temporal operator search-attribute create --namespace "$namespace" \
        --name "${attribute%%=*}" --type "${attribute#*=}" --address "$address"
done
echo "namespace $namespace and its search attributes are ready"
