from django.dispatch import Signal

# Sent once by services.record_screening, inside its transaction: receivers (the referrals
# app) raise alerts and recompute follow-ups atomically with the screening.
screening_completed = Signal()  # kwargs: screening, invitation (the link it answered, or None)

# Sent by the views that change a mother's dates, infants or whether she is in care.
mother_changed = Signal()  # kwargs: mother

# Sent by invitations.save_answer, inside its transaction, when her saved answers first include a
# self-harm answer: the alert is raised then, not when (or if) she sends the form.
self_harm_disclosed = Signal()  # kwargs: invitation

# Sent by transfers.transfer, inside its transaction, once her row and screening's own records have
# moved: receivers move what they keep about her (concerns, alerts, follow-ups, referrals).
mother_transferred = Signal()  # kwargs: mother, source, actor

# Sent by limits.limited when the shared cache failed and a per-process limit took over: the
# referrals app records it so that admins see it (design rule 16).
limiter_fell_back = Signal()  # kwargs: error
