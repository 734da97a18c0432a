"""The custom search attributes operators query disputes by. No PII: ids, states and times only."""

from temporalio.common import SearchAttributeKey

DISPUTE_STATUS = SearchAttributeKey.for_keyword("DisputeStatus")
DISPUTE_TIER = SearchAttributeKey.for_keyword("DisputeTier")
SELLER_ID = SearchAttributeKey.for_keyword("SellerId")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")
FIRST_CONTACT_AT = SearchAttributeKey.for_datetime("FirstContactAt")
# True while the store has refused some of the dispute's events for good: operators repair it (README).
NEEDS_ATTENTION = SearchAttributeKey.for_bool("NeedsAttention")

# The seller's account status when the dispute was opened (``restricted``, ``terminated``: operators look
# at those first). Given at start only, never upserted: disputes opened before it have none.
SELLER_STATUS_AT_INTAKE = SearchAttributeKey.for_keyword("SellerStatusAtIntake")

ALL = (
    DISPUTE_STATUS, DISPUTE_TIER, SELLER_ID, CHANNEL, SLA_BREACHED, FIRST_CONTACT_AT, NEEDS_ATTENTION,
    SELLER_STATUS_AT_INTAKE,
)  # fmt: skip
