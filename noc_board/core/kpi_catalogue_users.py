"""KPI catalogue, users and behaviour: GA4's definitions (kpi-and-alarms.md 1.1-1.3)."""

from __future__ import annotations

from noc_board.core.kpi_types import Kpi, Provider

G = "Users and behaviour"
_TODAY = "for today, in the GA4 property's time zone"

USERS: tuple[Kpi, ...] = (
    Kpi("users.active_now", "Active users now (last 30 minutes)", G,
        "GA4 realtime `activeUsers` over minutes 29..0: distinct users with an engaged "
        "session or a first_visit / engagement_time_msec event in the last 30 minutes.",
        "count", "up",
        (Provider("ga4", measure="active_users_realtime"),
         Provider("prometheus", query="sum(marketplace_active_users)",
                  note="a concurrent-users gauge of the site itself"),
         Provider("newrelic", query="SELECT uniqueCount(session) FROM PageView SINCE 30 "
                  "minutes ago")),
        ()),
    Kpi("users.active_by_minute", "Active users by minute", G,
        "GA4 realtime `activeUsers` by `minutesAgo` (29 .. 00); the number is the users of "
        "the current minute.", "count", "up",
        (Provider("ga4", measure="realtime_by_minute"),), (), table=True),
    Kpi("users.active_by_page", "Active users by page", G,
        "GA4 realtime `activeUsers` by `unifiedScreenName` (page title or screen), last 30 "
        "minutes; the number is the busiest page's users.", "count", "none",
        (Provider("ga4", measure="realtime_by_page"),), (), table=True),
    Kpi("users.active_by_country", "Active users by country", G,
        "GA4 realtime `activeUsers` by `country`, last 30 minutes; the number is the "
        "largest country's users.", "count", "none",
        (Provider("ga4", measure="realtime_by_country"),), (), table=True),
    Kpi("users.dau", "Daily active users (DAU)", G,
        f"GA4 `active1DayUsers` {_TODAY}: distinct active users of the day (an active user "
        "had an engaged session, or Analytics collected first_visit or engagement_time_msec). "
        "Equals `activeUsers` for one day; `totalUsers` (any event) is larger.",
        "count", "up",
        (Provider("ga4", measure="dau"), Provider("ga4", measure="active_users_today"),
         Provider("newrelic", query="SELECT uniqueCount(session) FROM PageView SINCE today",
                  note="browser sessions, not GA4 users")),
        ("DAU",)),
    Kpi("users.wau", "Weekly active users (7-day)", G,
        f"GA4 `active7DayUsers`: distinct active users in the 7 days ending today ({_TODAY}).",
        "count", "up", (Provider("ga4", measure="wau"),), ()),
    Kpi("users.mau", "Monthly active users (28-day)", G,
        "GA4 `active28DayUsers`: distinct active users in the 28 days ending today. The window "
        "is 28 days, GA4's, not a calendar month.",
        "count", "up", (Provider("ga4", measure="mau"),), ("MAU",)),
    Kpi("users.dau_per_mau", "Stickiness DAU/MAU (28-day window)", G,
        "active1DayUsers ÷ active28DayUsers, both ending today: the share of the 28-day users "
        "active today. GA4's own `dauPerMau` uses a 30-day window; this one matches the MAU "
        "tile. A flood of new users can hide churn: read it with the MAU.",
        "ratio", "up", (Provider("ga4", measure="dau_per_mau"),), ("DAU", "MAU")),
    Kpi("users.sessions", "Sessions today", G,
        f"GA4 `sessions` {_TODAY}: session_start events. A session ends after 30 minutes "
        "without activity; a new traffic source does not start one.",
        "count", "up", (Provider("ga4", measure="sessions_today"),), ()),
    Kpi("users.engaged_sessions", "Engaged sessions today", G,
        "GA4 `engagedSessions`: sessions that lasted longer than 10 seconds, or had a key "
        "event, or had at least 2 page or screen views (any one is enough).",
        "count", "up", (Provider("ga4", measure="engaged_sessions_today"),), ()),
    Kpi("users.engagement_rate", "Engagement rate", G,
        "GA4 `engagementRate` = engaged sessions ÷ sessions, today.",
        "ratio", "up", (Provider("ga4", measure="engagement_rate"),), ()),
    Kpi("users.bounce_rate", "Bounce rate (GA4)", G,
        "GA4 `bounceRate` = (sessions − engaged sessions) ÷ sessions = 1 − engagement rate, "
        "today. Not Universal Analytics' single-page rate: one page read for 5 minutes is "
        "engaged, not a bounce.",
        "ratio", "down", (Provider("ga4", measure="bounce_rate"),), ("bounce rate",)),
    Kpi("users.session_duration", "Average session duration", G,
        "GA4 `averageSessionDuration`: the mean length of today's sessions, in seconds.",
        "seconds", "up",
        (Provider("ga4", measure="avg_session_duration"),
         Provider("newrelic", query="SELECT average(duration) FROM BrowserInteraction SINCE "
                  "today", note="an approximation from browser data")),
        ("session duration",)),
    Kpi("users.pages_per_session", "Pages per session", G,
        "GA4 `screenPageViewsPerSession` = (page_view + screen_view events) ÷ sessions, "
        "today; repeated views of a page count.",
        "count", "up", (Provider("ga4", measure="pages_per_session"),), ("pages per session",)),
    Kpi("behaviour.flow", "Behaviour flow (referring page → page)", G,
        "GA4 `screenPageViews` today by `pageReferrer` → `pagePath`, largest first: each row "
        "reads \"from → to\" (\"(entrance)\" when there is no referrer). The number is the "
        "views of the busiest transition. Hotjar and Crazy Egg have no data API for flows.",
        "count", "none", (Provider("ga4", measure="behaviour_flow"),), ("behaviour flow",),
        table=True),
    Kpi("behaviour.funnel", "Funnel: users per step", G,
        "GA4 `activeUsers` today by `pagePath`, for the configured funnel pages in order. An "
        "open funnel: a user counts at a step whether or not they passed the earlier ones "
        "(closed funnels need GA4's v1alpha runFunnelReport). The number is the completion, "
        "users at the last step ÷ users at the first.",
        "ratio", "up", (Provider("ga4", measure="funnel"),), ("drop-off",), table=True),
    Kpi("behaviour.dropoff", "Funnel drop-off", G,
        "Per step: 1 − users(step i) ÷ users(step i−1), over the funnel's page paths today; "
        "the number is the overall drop-off, 1 − last ÷ first.",
        "ratio", "down", (Provider("ga4", measure="funnel_dropoff"),), ("drop-off",),
        table=True),
    Kpi("behaviour.key_events", "Key events today", G,
        "GA4 `keyEvents` (called conversions before 2024) today.",
        "count", "up", (Provider("ga4", measure="key_events_today"),), ()),
    Kpi("behaviour.session_key_event_rate", "Session key-event rate", G,
        "GA4 `sessionKeyEventRate`: sessions in which any key event fired ÷ sessions, today "
        "(was sessionConversionRate).",
        "ratio", "up", (Provider("ga4", measure="session_key_event_rate"),), ()),
)
