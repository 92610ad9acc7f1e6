"""The demo region: its three enterprises, the demo logins, then every feature's extension."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kilnguard.scenarios.demo.chongjin import build_chongjin
from kilnguard.scenarios.demo.common import BUILDER, EXTENSIONS, REGION_NAME, DemoPlants
from kilnguard.scenarios.demo.control import build_control
from kilnguard.scenarios.demo.komusan import build_komusan
from kilnguard.scenarios.demo.people import build_users
from kilnguard.services import records as svc


def build_demo(session: Session) -> DemoPlants:
    """Build the whole demo region inside the caller's transaction."""
    plants = DemoPlants()
    region = svc.create_region(session, BUILDER, name=REGION_NAME, timezone="Asia/Pyongyang")
    plants.region_id = region.id
    build_komusan(session, plants)
    build_chongjin(session, plants)
    build_control(session, plants)
    build_users(session, plants)
    for extend in EXTENSIONS:
        extend(session, plants)
    return plants
