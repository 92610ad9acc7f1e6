"""Demo logins: one user per role, each bound to the enterprises (or region) the role works in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kilnguard.domain.roles import Role
from kilnguard.scenarios.demo.common import BUILDER, DEMO_PASSWORD, REGION_NAME, DemoPlants
from kilnguard.services.auth import create_user


def build_users(session: Session, plants: DemoPlants) -> None:
    kom, cho, ctl = (plants.enterprises[k] for k in ("komusan", "chongjin", "control"))
    # (username, role, enterprises, where, bound to the region: the regulator only)
    specs: list[tuple[str, Role, list[int], str, bool]] = [
        ("operator", Role.OPERATOR, [kom], "Komusan Cement Factory", False),
        ("maintenance", Role.MAINTENANCE, [kom], "Komusan Cement Factory", False),
        ("safety", Role.SAFETY_OFFICER, [kom], "Komusan Cement Factory", False),
        ("manager", Role.MANAGER, [kom], "Komusan Cement Factory", False),
        ("technician", Role.TECHNICIAN, [cho], "Chongjin Chemical and Textile Factory", False),
        (
            "technical-lead",
            Role.TECHNICAL_LEAD,
            [cho],
            "Chongjin Chemical and Textile Factory",
            False,
        ),
        ("chongjin-manager", Role.MANAGER, [cho], "Chongjin Chemical and Textile Factory", False),
        (
            "chongjin-safety",
            Role.SAFETY_OFFICER,
            [cho],
            "Chongjin Chemical and Textile Factory",
            False,
        ),
        ("kyongsong-manager", Role.MANAGER, [ctl], "Kyongsong Refractory Works", False),
        ("investigator", Role.INVESTIGATOR, [kom, cho], "Komusan and Chongjin", False),
        ("regulator", Role.REGULATOR, [], REGION_NAME, True),
        ("admin", Role.ADMIN, [], "whole installation", False),
    ]
    for username, role, ents, where, regional in specs:
        create_user(
            session,
            BUILDER,
            username=username,
            password=DEMO_PASSWORD,
            role=role.value,
            display_name=username.replace("-", " ").title(),
            enterprise_ids=ents,
            region_id=plants.region_id if regional else None,
        )
        plants.users.append((username, role.value, where))
