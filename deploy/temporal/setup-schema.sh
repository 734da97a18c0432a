#!/bin/sh
# Creates Temporal's two databases on PostgreSQL and brings their schemas up to date.
# Safe to run on every start: existing databases are kept and only pending schema versions apply.
set -eu

SCHEMA=/etc/temporal/schema/postgresql/v12
sql() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_HOST" -p "$POSTGRES_PORT" -u "$POSTGRES_USER" "$@"
}

for db in temporal temporal_visibility; do
    case "$db" in
        temporal) versions="$SCHEMA/temporal/versioned" ;;
        *) versions="$SCHEMA/visibility/versioned" ;;
    esac
    sql --db "$db" create
    sql --db "$db" setup-schema -v 0.0
    sql --db "$db" update-schema -d "$versions"
done
echo "Temporal schema is up to date"
