"""Feature routers (risk, planning, change control, investigations): one module each, with a
module-level `router`; discovered by `kilnguard.plugins`."""
