"""A delivery worker run as a separate process by test_crash.py, so that the test can SIGKILL it.

usage: python deliver_worker.py DATABASE_URL TARGET_URL
Delivers everything due, prints DELIVERED and the count, then waits to be killed.
"""

import sys
import time

from chipwatch.alerts.delivery import deliver_due
from chipwatch.config import settings_from_dict
from chipwatch.storage.db import open_database

database, target = sys.argv[1], sys.argv[2]
settings = settings_from_dict({"alerts": [{"name": "notable", "min_score": 0.5, "notify": [target]}]})
db = open_database(database)
report = deliver_due(db, settings.alerts, batch=10)
print(f"DELIVERED {report.sent}", flush=True)
time.sleep(120)
