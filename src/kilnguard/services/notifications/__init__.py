"""Notifications: alerts reach people where they are (issue 19 point 4).

* **Inbox** (`inbox`): one entry per notified user, read in the app (`/inbox`, the unread
  count in the navigation); `inbox`, `unread_count`, `mark_read`.
* **Outbox** (`outbox`): one message per notification and configured channel (a webhook, an
  MQTT topic on the plant's broker, e-mail through an SMTP relay: `config.notification_channels`),
  delivered at least once by `deliver_pending`, which a scheduler runs every few seconds; every
  attempt is recorded, failures are retried with backoff, no message is given up.
* `notify(session, *, enterprise_id, subject, body, users, kind, ref)` makes both, idempotent
  on (kind, ref, user) and (kind, ref, channel). Alerts call it when raised and escalated
  (`alert_notices`).

Sending is in `channels` (no database there). See docs/NOTIFICATIONS.md for payloads and
configuration.
"""

from kilnguard.services.notifications.inbox import ALL as ALL
from kilnguard.services.notifications.inbox import InboxEntry as InboxEntry
from kilnguard.services.notifications.inbox import Notified as Notified
from kilnguard.services.notifications.inbox import inbox as inbox
from kilnguard.services.notifications.inbox import mark_read as mark_read
from kilnguard.services.notifications.inbox import notify as notify
from kilnguard.services.notifications.inbox import unread_count as unread_count
from kilnguard.services.notifications.outbox import DeliveryReport as DeliveryReport
from kilnguard.services.notifications.outbox import MessageState as MessageState
from kilnguard.services.notifications.outbox import deliver_pending as deliver_pending
from kilnguard.services.notifications.outbox import messages as messages
