import os

SCHEMA = "billing"
NAME_LEN = 120
TIER_LEN = 2 * 16
DEFAULT_TIER = "free"
READ_ROLES = ["analyst", "auditor"]
TABLE_OPTIONS = {"comment": "Customer projects"}
PREFIX = f"{SCHEMA}_"

# Only known when the application runs: locksmith leaves it unknown.
DEPLOY_TIER = os.environ.get("ACME_DEPLOY_TIER", "standard")
