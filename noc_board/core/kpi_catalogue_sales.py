"""KPI catalogue, sales and payments: Stripe, PayPal and GA4 e-commerce (kpi-and-alarms.md
1.3-1.5). "Today" is the local day of the board's time zone; "week" starts on Monday, "month"
on the 1st; money is in the reporting currency."""

from __future__ import annotations

from noc_board.core.kpi_types import Kpi, Provider

S = "Sales"
P = "Payments"
_ORDER = ("a transaction is a succeeded Stripe charge (PayPal: a completed sale), counted on "
          "the local day it was created")

SALES: tuple[Kpi, ...] = (
    Kpi("sales.transactions_today", "Transactions today", S,
        f"Count of transactions since local midnight; {_ORDER}.", "count", "up",
        (Provider("stripe", measure="orders_today"),
         Provider("paypal", measure="sales_today", note="Transaction Search lags up to 3 h"),
         Provider("ga4", measure="purchases_today", note="ecommercePurchases: purchase events")),
        ("transactions per day",)),
    Kpi("sales.transactions_week", "Transactions this week", S,
        f"Count of transactions since Monday 00:00; {_ORDER}.", "count", "up",
        (Provider("stripe", measure="orders_week"),), ("transactions per week",)),
    Kpi("sales.transactions_month", "Transactions this month", S,
        f"Count of transactions since the 1st of the month; {_ORDER}.", "count", "up",
        (Provider("stripe", measure="orders_month"),), ("transactions per month",)),
    Kpi("sales.transactions_hour", "Transactions, last hour", S,
        f"Count of transactions in the rolling last 60 minutes; {_ORDER}.", "count", "up",
        (Provider("stripe", measure="orders_last_hour"),
         Provider("prometheus", query="marketplace_orders_per_hour")),
        ("transactions per day",)),
    Kpi("sales.transaction_value_today", "Transaction value today (gross volume)", S,
        "Sum of today's succeeded charges, converted to the reporting currency, refunds and "
        "disputes not deducted (Stripe's gross volume). Amounts are integers in each "
        "currency's minor unit (0 decimals for JPY, 3 for KWD) until converted.",
        "money", "up",
        (Provider("stripe", measure="revenue_today"),
         Provider("paypal", measure="revenue_today")),
        ("transaction value", "revenue")),
    Kpi("sales.transaction_value_week", "Transaction value this week", S,
        "Gross volume since Monday 00:00 (as transaction value today).", "money", "up",
        (Provider("stripe", measure="revenue_week"),), ("transaction value",)),
    Kpi("sales.transaction_value_month", "Transaction value this month", S,
        "Gross volume since the 1st (as transaction value today).", "money", "up",
        (Provider("stripe", measure="revenue_month"),), ("transaction value",)),
    Kpi("sales.revenue_today", "Revenue today, net of refunds and disputes", S,
        "Gross volume − refunded amounts − disputed amounts, each attributed to the day it "
        "happened (a cash view: a refund today of last week's order lowers today). Stripe "
        "fees are not deducted. GA4's `purchaseRevenue` (purchases − refunds) is the "
        "analytics view of the same.",
        "money", "up",
        (Provider("stripe", measure="net_revenue_today"),
         Provider("ga4", measure="purchase_revenue_today")),
        ("revenue",)),
    Kpi("sales.aov", "Average order value (AOV)", S,
        "Revenue ÷ number of orders, today: gross volume ÷ succeeded charges (in currencies "
        "that have an exchange rate). Gross: refunds not deducted.",
        "money", "up",
        (Provider("stripe", measure="aov_today"),
         Provider("prometheus", query="marketplace_average_order_value")),
        ("AOV",)),
    Kpi("sales.revenue_by_currency", "Gross volume by currency", S,
        "Today's succeeded charges per currency, in that currency's major units (rows ordered "
        "by code: amounts in different currencies do not compare); the number is the total "
        "in the reporting currency.", "money", "up",
        (Provider("stripe", measure="revenue_by_currency"),), ("transaction value",),
        table=True),
    Kpi("sales.top_products", "Top-selling products (by revenue)", S,
        "Line items of today's complete Checkout sessions by product (description or "
        "product), summed in the reporting currency, largest first; the number is the best "
        "seller's revenue.", "money", "up",
        (Provider("stripe", measure="top_products"),), ("top-selling products",), table=True),
    Kpi("sales.top_products_units", "Top-selling products (by units)", S,
        "Quantities of today's complete Checkout sessions' line items by product, largest "
        "first; the number is the best seller's units.", "count", "up",
        (Provider("stripe", measure="top_products_units"),), ("top-selling products",),
        table=True),
    Kpi("sales.conversion_session", "Conversion rate (session-based)", S,
        "Orders ÷ sessions, today: GA4 ecommercePurchases ÷ sessions. Close to "
        "`sessionKeyEventRate` when purchase is the only key event.", "ratio", "up",
        (Provider("ga4", measure="conversion_rate_session"),
         Provider("prometheus", query="marketplace_conversion_ratio",
                  note="orders per session as the site counts them")),
        ("conversion rate",)),
    Kpi("sales.conversion_user", "Conversion rate (user-based)", S,
        "Purchasers ÷ active users, today: GA4 `purchaserConversionRate`. Higher than the "
        "session-based rate for the same traffic; label which one a tile shows.",
        "ratio", "up", (Provider("ga4", measure="conversion_rate_user"),),
        ("conversion rate",)),
    Kpi("sales.refunds_today", "Refunds today", S,
        "Count of refunds created today (by refund date), failed and canceled ones excluded.",
        "count", "down",
        (Provider("stripe", measure="refunds_today"),
         Provider("paypal", measure="refunds_today")),
        ("refunds and returns",)),
    Kpi("sales.refund_value_today", "Refunded value today", S,
        "Sum of today's refunds in the reporting currency (by refund date).", "money", "down",
        (Provider("stripe", measure="refund_value_today"),), ("refunds and returns",)),
    Kpi("sales.refund_rate_count", "Refund rate (by count)", S,
        "Refunds ÷ orders, both counted today (refunds by refund date, a cash view).",
        "ratio", "down", (Provider("stripe", measure="refund_rate_today"),),
        ("refunds and returns",)),
    Kpi("sales.refund_rate_value", "Refund rate (by value)", S,
        "Refunded value ÷ gross volume, both today, in the reporting currency.",
        "ratio", "down", (Provider("stripe", measure="refund_value_rate_today"),),
        ("refunds and returns",)),
    Kpi("sales.returns_today", "Returns today", S,
        "Refunds today whose reason is requested_by_customer: Stripe has no return object, "
        "so a return is a refund the customer asked for.", "count", "down",
        (Provider("stripe", measure="returns_today"),), ("refunds and returns",)),
    Kpi("sales.refund_reasons", "Refunds by reason", S,
        "Today's refunds counted by `reason` (requested_by_customer, duplicate, fraudulent, "
        "unspecified); the number is all refunds today.", "count", "down",
        (Provider("stripe", measure="refund_reasons"),), ("refunds and returns",), table=True),
    Kpi("sales.disputes_today", "Disputes today", S,
        "Count of disputes (chargebacks) created today. Card schemes watch disputes ÷ sales "
        "per month (Visa: 0.9 % and 100 disputes).", "count", "down",
        (Provider("stripe", measure="disputes_today"),), ()),
    Kpi("payments.failed_today", "Failed payments today", P,
        "Count of failed charges today, every attempt (retries included), each with its "
        "failure_code.", "count", "down",
        (Provider("stripe", measure="failed_payments_today"),), ("payment failures",)),
    Kpi("payments.decline_rate", "Decline rate, last hour (unique attempts)", P,
        "Declined attempts ÷ attempts over the rolling last hour, on unique attempts: all "
        "charges of one payment intent are one attempt, declined only if none succeeded "
        "(Stripe: exclude failed retries). Pending charges are left out.", "ratio", "down",
        (Provider("stripe", measure="decline_rate_1h"),
         Provider("prometheus", query="marketplace_payment_decline_ratio")),
        ("payment failures",)),
    Kpi("payments.failure_codes", "Failed payments by failure code", P,
        "Today's failed charges by `failure_code` (card_declined, expired_card, "
        "processing_error, ...); only processing_error is a technical fault. The number is "
        "all failed charges today.", "count", "down",
        (Provider("stripe", measure="failure_codes"),), ("payment failures",), table=True),
    Kpi("payments.intents_failed", "Payment intents failed today", P,
        "Payment intents created today that have not succeeded and carry a "
        "last_payment_error (a decline awaiting a retry, or abandoned after one).",
        "count", "down", (Provider("stripe", measure="payment_intents_failed_today"),),
        ("payment failures",)),
)
