"""Feature packages (auth, records, alerts, dashboards, change control, investigations,
planning): each `api/features/<feature>/` holds `routes` (REST JSON), `pages` (HTML) and
`schemas` (pydantic), and exposes one `router`; discovered by `kilnguard.plugins`."""
