"""The demo region: the two founding accidents and a healthy control enterprise.

What the seed reports state is used as fact (dates, casualties, the 2–3× workload, the 17 Dec
deadline, continuous operation, no time for repairs, the technicians' warning). Everything else
— daily tonnages, work orders, rosters, ratings — is a plausible reconstruction for
demonstration, written through the ordinary services and labelled `source = "reconstructed"`.
The control enterprise ("Kyongsong Refractory Works") is fictional and runs within rating, on
maintenance schedule, with rested crews, over the same months: the models must keep it green.

Reconstruction choices (documented here because every figure a model shows rests on them):

Komusan Cement Factory (scenario A, seed 000)
  * Refractory section: periodic kilns RF-1..RF-3 firing refractory brick, 40 t/day each,
    campaign limit 90 days, lining design life 365 days at rated load, installed 1 Mar 2021.
    Cement line: rotary kiln RK-1, 600 t/day.
  * Last planned stop 9–11 Aug 2021; no planned stop after it (continuous operation).
  * 1 Aug–4 Oct: 85–95 % of rating, 4 crews on 8-h shifts (2 mornings, 2 afternoons,
    2 nights, 2 days off). On 4 Oct 2021 the additional state target arrives: 20,000 t of
    refractory brick by 17 Dec 2021 on top of the annual plan. From 5 Oct: 1.5× rating and
    2 crews on 12-h shifts every day; from 21 Oct: rising from 2.2× to 2.8× ("twice or triple
    its previous workload").
  * Safety-critical inspections and RF-2's hot-face relining fall due in October and are
    deferred "for the additional production target" ("no time spared to repair its kilns").
  * RF-2 explodes on the afternoon of 24 Nov 2021: 2 killed, 6 seriously injured.
Chongjin Chemical and Textile Factory (scenario B, seed 001)
  * Industrial Technology Center test kiln TK-1, rated 0.2 t/day charge; routine small firings
    in Aug–Sep; experiments begin 19 Oct; technicians work 14-h days without a day off.
  * Its pressure-relief and interlock proof test was due 30 Sep 2021 and not done.
  * First plant-scale firing on 28 Oct 2021 (day assumed: "late October", Daily NK, Jan 2022)
    with a 0.6 t charge, 3× the kiln's rating: it explodes with onlookers beside it —
    2 seriously injured, 5 with minor injuries.

Layout: `common` (dates, builder, record helpers), `rosters` (crews and shift patterns),
`komusan`, `chongjin`, `control` (one module per enterprise), `people` (demo logins), `region`
(`build_demo`). Feature extensions (`scenarios/ext_*.py`) append their steps to `EXTENSIONS`.
"""

from kilnguard.scenarios.demo.common import (
    ADDITIONAL_TARGET_DEADLINE,
    ADDITIONAL_TARGET_ON,
    BUILDER,
    CHONGJIN_BOOM,
    CONTROL_END,
    DEMO_PASSWORD,
    EXTENSIONS,
    KOMUSAN_BOOM,
    RECON,
    REGION_NAME,
    START,
    TZ,
    DemoPlants,
    days,
    local,
)
from kilnguard.scenarios.demo.region import build_demo
from kilnguard.scenarios.demo.rosters import (
    EIGHT_HOUR_CYCLE,
    SHIFT_LEN,
    SHIFT_START,
    four_crew_code,
)

__all__ = [
    "ADDITIONAL_TARGET_DEADLINE",
    "ADDITIONAL_TARGET_ON",
    "BUILDER",
    "CHONGJIN_BOOM",
    "CONTROL_END",
    "DEMO_PASSWORD",
    "EIGHT_HOUR_CYCLE",
    "EXTENSIONS",
    "KOMUSAN_BOOM",
    "RECON",
    "REGION_NAME",
    "SHIFT_LEN",
    "SHIFT_START",
    "START",
    "TZ",
    "DemoPlants",
    "build_demo",
    "days",
    "four_crew_code",
    "local",
]
