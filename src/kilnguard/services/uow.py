"""The unit of work and database set-up, as the front ends (API, web, CLI) get them.

Front ends never import the store: they open a unit of work here, call services inside it, and
let it commit once at the end or roll everything back.
"""

from __future__ import annotations

from kilnguard.store.db import (
    alembic_config as alembic_config,
)
from kilnguard.store.db import (
    clock_of as clock_of,
)
from kilnguard.store.db import (
    engine_for as engine_for,
)
from kilnguard.store.db import (
    get_engine as get_engine,
)
from kilnguard.store.db import (
    make_engine as make_engine,
)
from kilnguard.store.db import (
    normalise_url as normalise_url,
)
from kilnguard.store.db import (
    unit_of_work as unit_of_work,
)
from kilnguard.store.db import (
    upgrade as upgrade,
)
