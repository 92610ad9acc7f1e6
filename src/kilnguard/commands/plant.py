"""`kilnguard plant …`: set a plant up without Python — regions, enterprises, sections, kilns,
crews and workers, each with `add`, `edit`, `retire`, `reinstate` and `list`.

Units are named by their natural keys, never by database ids: a region or enterprise by its
name; a section, kiln or crew by its enterprise's name and its own; a worker by its enterprise
and worker number. Every command runs in one unit of work (all or nothing), as `--user NAME`
(that login's enterprises and role) or, without it, as the system administrator.
"""

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from kilnguard.commands import fail, guarded, who_of
from kilnguard.services import records as svc
from kilnguard.services import uow as db

UserOpt = Annotated[
    str,
    typer.Option("--user", help="Act as this login (its role and enterprises); default: system."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RetiredOpt = Annotated[
    str, typer.Option("--retired", help="Which to list: active (default), retired or all.")
]
OnOpt = Annotated[str, typer.Option("--on", help="Day of retirement, YYYY-MM-DD (default: today).")]
EntOpt = Annotated[str, typer.Option("--enterprise", help="The enterprise's name (exact).")]
EntFilter = Annotated[str, typer.Option("--enterprise", help="Only this enterprise (exact name).")]

#: list columns per kind: (field, heading with its unit)
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "region": [("name", "region"), ("timezone", "time zone (IANA)"), ("retired_on", "retired on")],
    "enterprise": [
        ("name", "enterprise"),
        ("region", "region"),
        ("tier", "tier"),
        ("sector", "sector"),
        ("retired_on", "retired on"),
    ],
    "section": [("enterprise", "enterprise"), ("name", "section"), ("retired_on", "retired on")],
    "kiln": [
        ("enterprise", "enterprise"),
        ("name", "kiln"),
        ("section", "section"),
        ("kind", "kind"),
        ("rated_capacity_t_per_day", "rated [t/day]"),
        ("max_temperature_c", "max [°C]"),
        ("campaign_limit_days", "campaign [days]"),
        ("lining_installed_on", "lining since"),
        ("lining_design_life_days", "lining life [days]"),
        ("lining_used_t_at_onboarding", "used at onboarding [t]"),
        ("lining_used_fraction_at_onboarding", "used at onboarding [0-1]"),
        ("retired_on", "retired on"),
    ],
    "crew": [("enterprise", "enterprise"), ("name", "crew"), ("retired_on", "retired on")],
    "worker": [
        ("enterprise", "enterprise"),
        ("number", "number"),
        ("name", "worker"),
        ("crew", "crew"),
        ("job", "job"),
        ("qualifications", "qualified for (kiln kinds)"),
        ("retired_on", "retired on"),
    ],
}


# ------------------------------------------------------------------------------ helpers
def _day(option: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: {text!r} is not a date like 2021-11-24 (YYYY-MM-DD)") from None


def _run(user: str, act: Callable[[Session, Any], str]) -> None:
    """Run `act(session, who)` in one unit of work and print what it returns."""
    db.upgrade()
    with guarded(), db.unit_of_work() as session:
        message = act(session, who_of(session, user))
    typer.echo(message)


def _key(name: str = "", enterprise: str = "", number: str = "") -> dict[str, str]:
    return {"name": name, "enterprise": enterprise, "number": number}


def _label(kind: str, key: Mapping[str, str]) -> str:
    own = f"number {key['number']}" if kind == "worker" else key["name"]
    return f"{kind} {own}" + (f" of {key['enterprise']}" if key["enterprise"] else "")


def _member(session: Session, who: Any, kind: str, enterprise: str, name: str) -> int | None:
    """The id of the enterprise's section or crew of that name; None when no name is given."""
    return svc.find_unit(session, who, kind, enterprise=enterprise, name=name) if name else None


def _add(
    user: str,
    enterprise: str,
    create: Callable[[Session, Any, int, int | None], str],
    ref: str = "",
    ref_name: str = "",
) -> None:
    """Add a unit to the enterprise: `create` gets the enterprise's id and that of its `ref`
    (section or crew) named `ref_name` (None when no name is given), and says what it added."""

    def act(s: Session, who: Any) -> str:
        ent_id = svc.find_unit(s, who, "enterprise", name=enterprise)
        return create(s, who, ent_id, _member(s, who, ref, enterprise, ref_name))

    _run(user, act)


def _edit(kind: str, key: Mapping[str, str], changes: dict[str, Any], user: str) -> None:
    changes = {f: v for f, v in changes.items() if v is not None}
    if not changes:
        raise fail("nothing to change: give at least one option to change (see `--help`)")

    def act(session: Session, who: Any) -> str:
        if "section_id" in changes or "crew_id" in changes:
            ref = "section" if "section_id" in changes else "crew"
            given = changes.pop(f"{ref}_id")
            changes[f"{ref}_id"] = _member(session, who, ref, key["enterprise"], given)
        if "region_id" in changes:
            changes["region_id"] = svc.find_unit(session, who, "region", name=changes["region_id"])
        svc.edit_unit(session, who, kind, svc.find_unit(session, who, kind, **key), changes)
        return f"updated {_label(kind, key)}: {', '.join(sorted(changes))}"

    _run(user, act)


def _retire(kind: str, key: Mapping[str, str], on: str, user: str) -> None:
    day = _day("--on", on)

    def act(session: Session, who: Any) -> str:
        row: Any = svc.retire_unit(
            session, who, kind, svc.find_unit(session, who, kind, **key), on=day
        )
        return f"retired {_label(kind, key)} on {row.retired_on.isoformat()} (its history is kept)"

    _run(user, act)


def _reinstate(kind: str, key: Mapping[str, str], user: str) -> None:
    def act(session: Session, who: Any) -> str:
        svc.reinstate_unit(session, who, kind, svc.find_unit(session, who, kind, **key))
        return f"reinstated {_label(kind, key)}: it takes new records again"

    _run(user, act)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _list(kind: str, retired: str, enterprise: str, as_json: bool, user: str) -> None:
    db.upgrade()
    with guarded(), db.unit_of_work() as session:
        who = who_of(session, user)
        ent_id = svc.find_unit(session, who, "enterprise", name=enterprise) if enterprise else None
        rows = svc.list_units(session, who, kind, retired=retired, enterprise_id=ent_id)
    if as_json:
        typer.echo(json.dumps({f"{kind}s": rows}, indent=2, default=str))
        return
    if not rows:
        typer.echo(f"no {retired if retired != 'all' else ''} {kind}s".replace("  ", " "))
        return
    cols = COLUMNS[kind]
    table = [[h for _, h in cols]] + [[_cell(r.get(f)) for f, _ in cols] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(cols))]
    for i, line in enumerate(table):
        typer.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if i == 0:
            typer.echo("  ".join("-" * w for w in widths))


def _lifecycle(group: typer.Typer, kind: str) -> None:
    """`retire`, `reinstate` and `list` of `kind`, keyed by its natural key."""
    if kind in ("region", "enterprise"):
        NameKey = Annotated[str, typer.Option("--name", help=f"The {kind}'s name (exact).")]

        @group.command("retire")
        def retire(name: NameKey, on: OnOpt = "", user: UserOpt = "") -> None:
            """Retire it: kept with its history, offered for no new records."""
            _retire(kind, _key(name=name), on, user)

        @group.command("reinstate")
        def reinstate(name: NameKey, user: UserOpt = "") -> None:
            """Undo a retirement."""
            _reinstate(kind, _key(name=name), user)

        @group.command("list")
        def list_(
            retired: RetiredOpt = "active", as_json: JsonOpt = False, user: UserOpt = ""
        ) -> None:
            """List them (what `--user` may see)."""
            _list(kind, retired, "", as_json, user)

        return
    key_opt = "--number" if kind == "worker" else "--name"
    OwnKey = Annotated[
        str,
        typer.Option(key_opt, help=f"The {kind}'s {key_opt[2:]} in its enterprise (exact)."),
    ]

    def key_of(enterprise: str, own: str) -> dict[str, str]:
        if kind == "worker":
            return _key(enterprise=enterprise, number=own)
        return _key(enterprise=enterprise, name=own)

    @group.command("retire")
    def retire_owned(enterprise: EntOpt, own: OwnKey, on: OnOpt = "", user: UserOpt = "") -> None:
        """Retire it: kept with its history, offered for no new records."""
        _retire(kind, key_of(enterprise, own), on, user)

    @group.command("reinstate")
    def reinstate_owned(enterprise: EntOpt, own: OwnKey, user: UserOpt = "") -> None:
        """Undo a retirement."""
        _reinstate(kind, key_of(enterprise, own), user)

    @group.command("list")
    def list_owned(
        enterprise: EntFilter = "",
        retired: RetiredOpt = "active",
        as_json: JsonOpt = False,
        user: UserOpt = "",
    ) -> None:
        """List them by enterprise (what `--user` may see)."""
        _list(kind, retired, enterprise, as_json, user)


# ------------------------------------------------------------------------------ commands
def register(app: typer.Typer) -> None:
    plant_app = typer.Typer(
        help=(
            "Set the plant up: regions, enterprises, sections, kilns, crews, workers.\n\n"
            "Each has add, edit, retire, reinstate and list. Units are named, never numbered: "
            'e.g.  kilnguard plant kiln list --enterprise "Komusan Cement Factory"'
        ),
        no_args_is_help=True,
    )
    app.add_typer(plant_app, name="plant")
    groups = {
        kind: typer.Typer(help=text, no_args_is_help=True)
        for kind, text in (
            ("region", "Regions (a regulator's area) with their IANA time zone."),
            ("enterprise", "Enterprises (plants) of a region: tier 1–3, sector."),
            ("section", "Sections of an enterprise (kiln hall, crushing, …)."),
            ("kiln", "Kilns: kind, rating (t/day), max temperature (°C), lining."),
            ("crew", "Crews of workers of an enterprise."),
            ("worker", "Workers: number, name, crew, job, qualifications."),
        )
    }
    for kind, group in groups.items():
        plant_app.add_typer(group, name=kind)
        _lifecycle(group, kind)
    _region_commands(groups["region"])
    _enterprise_commands(groups["enterprise"])
    _named_commands(groups["section"], "section")
    _named_commands(groups["crew"], "crew")
    _kiln_commands(groups["kiln"])
    _worker_commands(groups["worker"])


def _region_commands(group: typer.Typer) -> None:
    Name = Annotated[str, typer.Option("--name", help="The region's name (exact).")]

    @group.command("add")
    def add(
        name: Name,
        timezone: Annotated[
            str, typer.Option(help="IANA time zone of its plants, e.g. Asia/Pyongyang.")
        ] = "UTC",
        user: UserOpt = "",
    ) -> None:
        """Add a region.

        Example:  kilnguard plant region add --name "North Hamgyong" --timezone Asia/Pyongyang
        """
        _run(
            user,
            lambda s, who: (
                f"added region {svc.create_region(s, who, name=name, timezone=timezone).name}"
            ),
        )

    @group.command("edit")
    def edit(
        name: Name,
        new_name: Annotated[str | None, typer.Option(help="Rename it.")] = None,
        timezone: Annotated[str | None, typer.Option(help="New IANA time zone.")] = None,
        user: UserOpt = "",
    ) -> None:
        """Rename a region or change its time zone."""
        _edit("region", _key(name=name), {"name": new_name, "timezone": timezone}, user)


def _enterprise_commands(group: typer.Typer) -> None:
    Name = Annotated[str, typer.Option("--name", help="The enterprise's name (exact).")]

    @group.command("add")
    def add(
        name: Name,
        region: Annotated[str, typer.Option(help="Its region's name.")],
        tier: Annotated[int, typer.Option(help="Tier 1, 2 or 3.")],
        sector: Annotated[str, typer.Option(help="Sector, e.g. cement, refractory brick, lime.")],
        user: UserOpt = "",
    ) -> None:
        """Add an enterprise (a plant) to a region.

        Example:  kilnguard plant enterprise add --name "Komusan Cement Factory"
        --region "North Hamgyong" --tier 1 --sector cement
        """

        def act(s: Session, who: Any) -> str:
            region_id = svc.find_unit(s, who, "region", name=region)
            ent = svc.create_enterprise(
                s, who, region_id=region_id, name=name, tier=tier, sector=sector
            )
            return f"added enterprise {ent.name} to region {region}"

        _run(user, act)

    @group.command("edit")
    def edit(
        name: Name,
        new_name: Annotated[str | None, typer.Option(help="Rename it.")] = None,
        region: Annotated[str | None, typer.Option(help="Move it to this region.")] = None,
        tier: Annotated[int | None, typer.Option(help="Tier 1, 2 or 3.")] = None,
        sector: Annotated[str | None, typer.Option(help="Sector.")] = None,
        user: UserOpt = "",
    ) -> None:
        """Change an enterprise's name, region, tier or sector."""
        changes = {"name": new_name, "region_id": region, "tier": tier, "sector": sector}
        _edit("enterprise", _key(name=name), changes, user)


def _named_commands(group: typer.Typer, kind: str) -> None:
    """add and edit of a unit known by its enterprise and name (section, crew)."""
    Name = Annotated[str, typer.Option("--name", help=f"The {kind}'s name in its enterprise.")]

    @group.command("add")
    def add(enterprise: EntOpt, name: Name, user: UserOpt = "") -> None:
        """Add one to an enterprise."""
        create = svc.create_section if kind == "section" else svc.create_crew

        def act(s: Session, who: Any, ent_id: int, _: int | None) -> str:
            create(s, who, enterprise_id=ent_id, name=name)
            return f"added {kind} {name} to {enterprise}"

        _add(user, enterprise, act)

    add.__doc__ = f"Add a {kind} to an enterprise.\n\nExample:  kilnguard plant {kind} add " + (
        '--enterprise "Komusan Cement Factory" --name "Kiln hall"'
        if kind == "section"
        else '--enterprise "Komusan Cement Factory" --name "crew A"'
    )

    @group.command("edit")
    def edit(
        enterprise: EntOpt,
        name: Name,
        new_name: Annotated[str | None, typer.Option(help="Rename it.")] = None,
        user: UserOpt = "",
    ) -> None:
        """Rename it."""
        _edit(kind, _key(enterprise=enterprise, name=name), {"name": new_name}, user)


KILN_KINDS = "rotary, tunnel, shaft, periodic or test"


def _kiln_commands(group: typer.Typer) -> None:
    Name = Annotated[str, typer.Option("--name", help="The kiln's name in its enterprise.")]

    @group.command("add")
    def add(
        enterprise: EntOpt,
        name: Name,
        kind: Annotated[str, typer.Option(help=f"Kiln kind: {KILN_KINDS}.")],
        rated_t_per_day: Annotated[float, typer.Option(help="Rated capacity (t/day).")],
        max_temperature_c: Annotated[float, typer.Option(help="Maximum firing temperature (°C).")],
        campaign_limit_days: Annotated[
            int, typer.Option(help="Longest campaign between stops (days).")
        ],
        section: Annotated[str, typer.Option(help="Its section's name (optional).")] = "",
        lining_installed_on: Annotated[
            str, typer.Option(help="Day the current lining was installed, YYYY-MM-DD.")
        ] = "",
        lining_design_life_days: Annotated[
            int | None, typer.Option(help="The lining's design life (days).")
        ] = None,
        lining_used_t: Annotated[
            float | None,
            typer.Option(
                help="Tonnes already fired on the current lining before the first record "
                "entered here (t). Give this OR --lining-used-fraction."
            ),
        ] = None,
        lining_used_fraction: Annotated[
            float | None,
            typer.Option(
                help="Fraction of the lining's design life already used, 0–1 (0.4 = 40 %)."
            ),
        ] = None,
        user: UserOpt = "",
    ) -> None:
        """Add a kiln to an enterprise, with the state of its lining today.

        Example:  kilnguard plant kiln add --enterprise "Komusan Cement Factory" --name RF-4
        --kind tunnel --rated-t-per-day 120 --max-temperature-c 1450 --campaign-limit-days 90
        --lining-installed-on 2021-01-01 --lining-design-life-days 400 --lining-used-t 15000
        """
        installed = _day("--lining-installed-on", lining_installed_on)

        def act(s: Session, who: Any, ent_id: int, sec_id: int | None) -> str:
            kiln = svc.create_kiln(
                s,
                who,
                svc.KilnIn(
                    enterprise_id=ent_id,
                    name=name,
                    kind=kind,
                    rated_capacity_t_per_day=rated_t_per_day,
                    max_temperature_c=max_temperature_c,
                    campaign_limit_days=campaign_limit_days,
                    section_id=sec_id,
                    lining_installed_on=installed,
                    lining_design_life_days=lining_design_life_days,
                    lining_used_t_at_onboarding=lining_used_t,
                    lining_used_fraction_at_onboarding=lining_used_fraction,
                ),
            )
            return f"added kiln {kiln.name} ({kiln.kind}, {kiln.rated_capacity_t_per_day:g} t/day) to {enterprise}"

        _add(user, enterprise, act, "section", section)

    Text = str | None

    @group.command("edit")
    def edit(
        enterprise: EntOpt,
        name: Name,
        new_name: Annotated[Text, typer.Option(help="Rename it.")] = None,
        section: Annotated[
            Text, typer.Option(help='Move it to this section ("" for none).')
        ] = None,
        kind: Annotated[Text, typer.Option(help=f"Kiln kind: {KILN_KINDS}.")] = None,
        rated_t_per_day: Annotated[Text, typer.Option(help="Rated capacity (t/day).")] = None,
        max_temperature_c: Annotated[Text, typer.Option(help="Maximum temperature (°C).")] = None,
        campaign_limit_days: Annotated[Text, typer.Option(help="Campaign limit (days).")] = None,
        lining_installed_on: Annotated[
            Text, typer.Option(help='Lining installed on, YYYY-MM-DD ("" clears).')
        ] = None,
        lining_design_life_days: Annotated[
            Text, typer.Option(help='Lining design life (days) ("" clears).')
        ] = None,
        lining_used_t: Annotated[
            Text, typer.Option(help='Tonnes fired on the lining at onboarding (t) ("" clears).')
        ] = None,
        lining_used_fraction: Annotated[
            Text, typer.Option(help='Fraction of lining life used at onboarding, 0–1 ("" clears).')
        ] = None,
        user: UserOpt = "",
    ) -> None:
        """Change a kiln's fields; only the options given change.

        Example:  kilnguard plant kiln edit --enterprise "Komusan Cement Factory" --name RF-4
        --max-temperature-c 1400 --lining-used-t "" --lining-used-fraction 0.35
        """
        changes = {
            "name": new_name,
            "section_id": section,
            "kind": kind,
            "rated_capacity_t_per_day": rated_t_per_day,
            "max_temperature_c": max_temperature_c,
            "campaign_limit_days": campaign_limit_days,
            "lining_installed_on": lining_installed_on,
            "lining_design_life_days": lining_design_life_days,
            "lining_used_t_at_onboarding": lining_used_t,
            "lining_used_fraction_at_onboarding": lining_used_fraction,
        }
        _edit("kiln", _key(enterprise=enterprise, name=name), changes, user)


def _worker_commands(group: typer.Typer) -> None:
    Number = Annotated[str, typer.Option("--number", help="The worker number in its enterprise.")]
    Quals = Annotated[
        str | None,
        typer.Option(
            help=f"Kiln kinds the worker is qualified for, comma-separated ({KILN_KINDS})."
        ),
    ]

    @group.command("add")
    def add(
        enterprise: EntOpt,
        name: Annotated[str, typer.Option(help="Full name.")],
        number: Annotated[
            str, typer.Option(help="Worker number (default: the next free one, W-0001 style).")
        ] = "",
        crew: Annotated[str, typer.Option(help="Their crew's name (optional).")] = "",
        job: Annotated[str, typer.Option(help="Job title.")] = "kiln operator",
        qualifications: Quals = None,
        user: UserOpt = "",
    ) -> None:
        """Add a worker to an enterprise.

        Example:  kilnguard plant worker add --enterprise "Komusan Cement Factory"
        --name "Kim Chol" --number K-017 --crew "crew A" --qualifications rotary,tunnel
        """
        quals = tuple(q.strip() for q in (qualifications or "").split(",") if q.strip())

        def act(s: Session, who: Any, ent_id: int, crew_id: int | None) -> str:
            w = svc.create_worker(
                s,
                who,
                svc.WorkerIn(
                    enterprise_id=ent_id,
                    number=number,
                    name=name,
                    crew_id=crew_id,
                    job=job,
                    qualifications=quals,
                ),
            )
            return f"added worker {w.number} {w.name} to {enterprise}"

        _add(user, enterprise, act, "crew", crew)

    @group.command("edit")
    def edit(
        enterprise: EntOpt,
        number: Number,
        new_number: Annotated[str | None, typer.Option(help="Renumber them.")] = None,
        name: Annotated[str | None, typer.Option(help="Full name.")] = None,
        crew: Annotated[str | None, typer.Option(help='Their crew ("" for none).')] = None,
        job: Annotated[str | None, typer.Option(help="Job title.")] = None,
        qualifications: Quals = None,
        user: UserOpt = "",
    ) -> None:
        """Change a worker's number, name, crew, job or qualifications."""
        changes = {
            "number": new_number,
            "name": name,
            "crew_id": crew,
            "job": job,
            "qualifications": qualifications,
        }
        _edit("worker", _key(enterprise=enterprise, number=number), changes, user)
