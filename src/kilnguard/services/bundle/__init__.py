"""The bundle: every record kind of a plant in one XLSX workbook or CSV directory.

- `read_bundle(path)` / `read_bundle_bytes(data, filename)` → `Bundle` (refused over 200 MB);
- `plan_import(session, who, bundle)` → `ImportPlan` (every error, what would change; writes
  nothing); `apply_import(session, who, plan)` → `ImportResult`; `import_bundle` does both;
  `import_checked_first` checks in a read transaction and writes in a write transaction of its
  own (checking again under the lock when `written_since` says the plan may be stale);
- `export_bundle(session, who, path)`, `write_template(path)`.

The format is declared in `spec.py` (plant records) and `change_spec.py` (change control) and
documented from there (README sheet, docs/BUNDLE.md). `progress(stage, done, total)` lets a
front end draw a bar.
"""

from kilnguard.services.bundle.apply import ImportResult as ImportResult
from kilnguard.services.bundle.apply import apply_import as apply_import
from kilnguard.services.bundle.apply import audit_tip as audit_tip
from kilnguard.services.bundle.apply import import_bundle as import_bundle
from kilnguard.services.bundle.apply import import_checked_first as import_checked_first
from kilnguard.services.bundle.apply import written_since as written_since
from kilnguard.services.bundle.export import ExportResult as ExportResult
from kilnguard.services.bundle.export import export_bundle as export_bundle
from kilnguard.services.bundle.plan import ImportPlan as ImportPlan
from kilnguard.services.bundle.plan import Progress as Progress
from kilnguard.services.bundle.plan import SheetCounts as SheetCounts
from kilnguard.services.bundle.plan import plan_import as plan_import
from kilnguard.services.bundle.read import MAX_BUNDLE_BYTES as MAX_BUNDLE_BYTES
from kilnguard.services.bundle.read import Bundle as Bundle
from kilnguard.services.bundle.read import BundleError as BundleError
from kilnguard.services.bundle.read import BundleInvalid as BundleInvalid
from kilnguard.services.bundle.read import read_bundle as read_bundle
from kilnguard.services.bundle.read import read_bundle_bytes as read_bundle_bytes
from kilnguard.services.bundle.template import write_template as write_template
