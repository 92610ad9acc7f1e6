"""Use cases that create and change plant records, and the read views the front ends show.

Each write validates every item first (naming field, value and rule), checks tenancy and role
through `services.access`, and writes through `services.writes.write` (one audit entry per
record) inside the caller's transaction. Nothing commits here: the unit of work does, or rolls
everything back. Batch functions validate the whole batch and raise `BatchValidationError`
listing every bad row, so an import is all-or-nothing.

- `plant`: regions, enterprises, sections, kilns, crews, workers (create);
- `setup`: edit, retire, reinstate, list and look up those units (CLI, REST, web forms);
- `production`: production records and shifts; `maintenance`: maintenance plans, work orders,
  deferrals, planned stops; `targets`; `incidents`;
- `entry`: the rules that protect the record (dates, plausible output, duplicates, numbers
  and shift times as typed);
- `corrections`: correct and void any registered record kind with a reason, and its history;
- `views`: what the REST routes and kiln pages read.
"""

from kilnguard.services.records.batch import require_active as require_active
from kilnguard.services.records.corrections import correct as correct
from kilnguard.services.records.corrections import history as history
from kilnguard.services.records.corrections import void as void
from kilnguard.services.records.incidents import IncidentIn as IncidentIn
from kilnguard.services.records.incidents import create_incident as create_incident
from kilnguard.services.records.maintenance import MaintenancePlanIn as MaintenancePlanIn
from kilnguard.services.records.maintenance import PlannedStopIn as PlannedStopIn
from kilnguard.services.records.maintenance import WorkOrderIn as WorkOrderIn
from kilnguard.services.records.maintenance import complete_work_order as complete_work_order
from kilnguard.services.records.maintenance import (
    create_maintenance_plan as create_maintenance_plan,
)
from kilnguard.services.records.maintenance import create_planned_stop as create_planned_stop
from kilnguard.services.records.maintenance import create_work_order_one as create_work_order_one
from kilnguard.services.records.maintenance import create_work_orders as create_work_orders
from kilnguard.services.records.maintenance import defer_work_order as defer_work_order
from kilnguard.services.records.plant import KilnIn as KilnIn
from kilnguard.services.records.plant import WorkerIn as WorkerIn
from kilnguard.services.records.plant import create_crew as create_crew
from kilnguard.services.records.plant import create_enterprise as create_enterprise
from kilnguard.services.records.plant import create_kiln as create_kiln
from kilnguard.services.records.plant import create_region as create_region
from kilnguard.services.records.plant import create_section as create_section
from kilnguard.services.records.plant import create_worker as create_worker
from kilnguard.services.records.plant import create_workers as create_workers
from kilnguard.services.records.plant import validate_timezone as validate_timezone
from kilnguard.services.records.production import ProductionIn as ProductionIn
from kilnguard.services.records.production import ShiftIn as ShiftIn
from kilnguard.services.records.production import record_production as record_production
from kilnguard.services.records.production import record_production_one as record_production_one
from kilnguard.services.records.production import record_shift_one as record_shift_one
from kilnguard.services.records.production import record_shifts as record_shifts
from kilnguard.services.records.setup import RETIRED_CHOICES as RETIRED_CHOICES
from kilnguard.services.records.setup import UNITS as UNITS
from kilnguard.services.records.setup import edit_crew as edit_crew
from kilnguard.services.records.setup import edit_enterprise as edit_enterprise
from kilnguard.services.records.setup import edit_kiln as edit_kiln
from kilnguard.services.records.setup import edit_region as edit_region
from kilnguard.services.records.setup import edit_section as edit_section
from kilnguard.services.records.setup import edit_unit as edit_unit
from kilnguard.services.records.setup import edit_worker as edit_worker
from kilnguard.services.records.setup import find_unit as find_unit
from kilnguard.services.records.setup import get_unit as get_unit
from kilnguard.services.records.setup import list_units as list_units
from kilnguard.services.records.setup import reinstate_unit as reinstate_unit
from kilnguard.services.records.setup import retire_crew as retire_crew
from kilnguard.services.records.setup import retire_enterprise as retire_enterprise
from kilnguard.services.records.setup import retire_kiln as retire_kiln
from kilnguard.services.records.setup import retire_region as retire_region
from kilnguard.services.records.setup import retire_section as retire_section
from kilnguard.services.records.setup import retire_unit as retire_unit
from kilnguard.services.records.setup import retire_worker as retire_worker
from kilnguard.services.records.targets import TargetIn as TargetIn
from kilnguard.services.records.targets import create_target as create_target
from kilnguard.services.writes import record_payload as record_payload
