"""The OSDI API (Open Supporter Data Interface 1.2, HAL+JSON), shaped like
Action Network's v2 API so OSDI clients work unchanged. Mounted at
/api/osdi/v1/; the OpenAPI schema is at /api/schema/ and its page at /api/docs/.

Every write goes through the intake core (campaign.services.intake) with STAFF
trust, and is credited to the key that made it in the audit trail."""
