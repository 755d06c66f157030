"""The synthetic text of the demo: agents, their tools and subagents, user questions, answers,
tool arguments and results, and tool failures. Everything is drawn from a ``random.Random``
given by the caller, so it is as deterministic as the generator that calls it.

Nothing here is real: names, ids, orders, prices and URLs are made up (``example.com`` and
friends only).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Json = Any


# --- slot values ---------------------------------------------------------------------------------

CITIES = ("Lisbon", "Kyoto", "Oslo", "Mexico City", "Cape Town", "Vancouver", "Hanoi", "Porto")
MONTHS = ("March", "April", "May", "June", "September", "October", "November")
PRODUCTS = (
    "trail running shoes",
    "down jacket",
    "40 L hiking backpack",
    "insulated water bottle",
    "two-person tent",
    "merino base layer",
)
TOPICS = (
    "retrieval-augmented generation for customer support",
    "long-context evaluation of language models",
    "heat pumps in cold climates",
    "battery recycling in Europe",
    "sleep and memory consolidation",
    "urban cycling infrastructure",
)
TABLES = ("orders", "subscriptions", "events", "invoices", "users")
MODULES = (
    "billing/invoice.py",
    "api/routes.py",
    "search/ranker.py",
    "etl/load.py",
    "auth/session.py",
)
FIRST_NAMES = ("Ana", "Kenji", "Ingrid", "Mateo", "Thandi", "Priya", "Liam", "Mai")


SLOTS: Mapping[str, Callable[[random.Random], str]] = {
    "order": lambda rng: f"A{rng.randint(100000, 999999)}",
    "city": lambda rng: rng.choice(CITIES),
    "month": lambda rng: rng.choice(MONTHS),
    "days": lambda rng: str(rng.randint(3, 10)),
    "budget": lambda rng: f"{rng.randrange(800, 4000, 50)} EUR",
    "product": lambda rng: rng.choice(PRODUCTS),
    "amount": lambda rng: f"{rng.randint(19, 240)}.{rng.choice(('00', '50', '95', '99'))}",
    "topic": lambda rng: rng.choice(TOPICS),
    "table": lambda rng: rng.choice(TABLES),
    "module": lambda rng: rng.choice(MODULES),
    "test": lambda rng: f"test_{rng.choice(('refund', 'rounding', 'pagination', 'timezone'))}",
    "key": lambda rng: rng.choice(("'customer_id'", "'currency'", "'items'", "'tz'")),
    "name": lambda rng: rng.choice(FIRST_NAMES),
    "n": lambda rng: str(rng.randint(2, 9)),
    "year": lambda rng: str(rng.randint(2021, 2025)),
}


class TextSlots(dict[str, str]):
    """The ``{slots}`` of one turn's texts: drawn on first use, then reused, so a question, the
    tool arguments and the answer talk about the same order, city or topic."""

    def __init__(self, rng: random.Random, fixed: Mapping[str, str] | None = None):
        super().__init__(fixed or {})
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key == "city2":  # a second city, never the first one
            value = self.rng.choice([city for city in CITIES if city != self["city"]])
        else:
            value = SLOTS[key](self.rng)
        self[key] = value
        return value

    def fill(self, template: str) -> str:
        """``template`` with its ``{slots}`` filled."""
        return template.format_map(self)


# --- tools -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """A function tool: what it is called with, what it returns, and how it fails."""

    name: str
    description: str
    arguments: Callable[[TextSlots], dict[str, Json]]
    result: Callable[[TextSlots, dict[str, Json]], Json]
    errors: tuple[tuple[str, str], ...] = ()
    """``(error.type, message)`` pairs; messages may use ``{tool}`` and the argument names."""


TIMEOUT = ("TimeoutError", "{tool} timed out after 10s")
UNAVAILABLE = ("httpx.HTTPStatusError", "Server error '503 Service Unavailable' for {tool}")
RATE_LIMITED = ("httpx.HTTPStatusError", "Client error '429 Too Many Requests' for {tool}")


def _hits(s: TextSlots, titles: tuple[str, ...], site: str) -> list[dict[str, Json]]:
    return [
        {
            "title": title,
            "url": f"https://{site}/{title.lower().replace(' ', '-')}",
            "score": round(s.rng.uniform(0.55, 0.97), 2),
        }
        for title in s.rng.sample(titles, s.rng.randint(2, 3))
    ]


def _order_status(s: TextSlots, args: dict[str, Json]) -> Json:
    return {
        "order_id": args["order_id"],
        "status": s.rng.choice(("shipped", "in_transit", "delayed", "delivered", "processing")),
        "carrier": s.rng.choice(("DHL", "UPS", "PostNL", "DPD")),
        "eta": f"2026-0{s.rng.randint(3, 4)}-{s.rng.randint(10, 28)}",
    }


def _flights(s: TextSlots, args: dict[str, Json]) -> Json:
    return [
        {
            "flight": f"{s.rng.choice(('TP', 'KL', 'LH', 'NH'))}{s.rng.randint(100, 999)}",
            "price_eur": s.rng.randint(90, 900),
            "stops": s.rng.randint(0, 2),
        }
        for _ in range(s.rng.randint(2, 3))
    ]


def _hotels(s: TextSlots, args: dict[str, Json]) -> Json:
    return [
        {
            "hotel": f"Hotel {s.rng.choice(('Aurora', 'Central', 'Riverside', 'Garden'))}",
            "price_eur": s.rng.randint(60, int(args["max_price_eur"])),
            "rating": round(s.rng.uniform(3.6, 4.9), 1),
        }
        for _ in range(s.rng.randint(2, 3))
    ]


SUPPORT_TOOLS = (
    Tool(
        "get_order_status",
        "Status, carrier and delivery estimate of an order",
        lambda s: {"order_id": s["order"]},
        _order_status,
        (TIMEOUT, ("KeyError", "order {order_id} not found")),
    ),
    Tool(
        "lookup_customer",
        "Find a customer by email",
        lambda s: {"email": f"{s['name'].lower()}@example.com"},
        lambda s, args: {
            "customer_id": f"cus_{s.rng.getrandbits(40):010x}",
            "tier": s.rng.choice(("standard", "plus", "pro")),
            "orders_last_year": s.rng.randint(1, 14),
        },
        (TIMEOUT, ("LookupError", "no customer with email {email}")),
    ),
    Tool(
        "issue_refund",
        "Refund all or part of an order",
        lambda s: {
            "order_id": s["order"],
            "amount": float(s["amount"]),
            "reason": s.rng.choice(("duplicate_charge", "damaged", "late_delivery")),
        },
        lambda s, args: {"refund_id": f"re_{s.rng.getrandbits(40):010x}", "status": "pending"},
        (("PermissionError", "API token lacks scope 'refunds:write'"), UNAVAILABLE),
    ),
    Tool(
        "search_help_center",
        "Search help-center articles",
        lambda s: {"query": s.rng.choice(("return window", "change address", "warranty"))},
        lambda s, args: _hits(
            s,
            ("Returns and refunds", "Changing a delivery address", "Warranty claims", "Size guide"),
            "help.example.com",
        ),
        (TIMEOUT,),
    ),
    Tool(
        "create_ticket",
        "Open a ticket for the support team",
        lambda s: {
            "subject": f"Order {s['order']}: {s.rng.choice(('damaged item', 'refund', 'address'))}",
            "priority": s.rng.choice(("low", "normal", "high")),
        },
        lambda s, args: {"ticket_id": f"T-{s.rng.randint(10000, 99999)}", "queue": "tier-2"},
        (UNAVAILABLE,),
    ),
)

RESEARCH_TOOLS = (
    Tool(
        "web_search",
        "Search the web",
        lambda s: {"query": s["topic"], "max_results": 5},
        lambda s, args: _hits(
            s,
            ("A survey", "Benchmark results", "Field study", "Meta-analysis", "Working paper"),
            "search.example.org",
        ),
        (TIMEOUT, RATE_LIMITED),
    ),
    Tool(
        "fetch_url",
        "Download a page and return its text",
        lambda s: {"url": f"https://journal.example.org/articles/{s.rng.randint(1000, 9999)}"},
        lambda s, args: {
            "status": 200,
            "title": f"{s.rng.choice(('Evidence on', 'Revisiting', 'Notes on'))} {s['topic']}",
            "chars": s.rng.randint(4000, 60000),
        },
        (TIMEOUT, ("httpx.HTTPStatusError", "Client error '404 Not Found' for url '{url}'")),
    ),
    Tool(
        "summarize_pdf",
        "Extract and summarise a PDF",
        lambda s: {"url": f"https://papers.example.org/pdf/{s.rng.randint(10000, 99999)}.pdf"},
        lambda s, args: {
            "pages": s.rng.randint(6, 40),
            "summary": f"Reports a moderate effect on {s['topic']}, with wide intervals.",
        },
        (("RuntimeError", "could not extract text: the PDF is scanned images"), TIMEOUT),
    ),
)

CODING_TOOLS = (
    Tool(
        "grep_repo",
        "Search the repository",
        lambda s: {
            "pattern": s.rng.choice(("def refund", "currency", "TODO", "tz=")),
            "path": "src/",
        },
        lambda s, args: [
            {"path": f"src/{s.rng.choice(MODULES)}", "line": s.rng.randint(10, 400)}
            for _ in range(s.rng.randint(1, 4))
        ],
        (TIMEOUT,),
    ),
    Tool(
        "read_file",
        "Read lines of a file",
        lambda s: {"path": f"src/{s['module']}", "start": s.rng.randint(1, 200), "lines": 40},
        lambda s, args: {
            "path": args["path"],
            "text": "def total(items):\n    return sum(item.price for item in items)\n",
        },
        (("FileNotFoundError", "[Errno 2] No such file or directory: '{path}'"),),
    ),
    Tool(
        "run_tests",
        "Run a test file with pytest",
        lambda s: {"target": f"tests/{s['test']}.py"},
        lambda s, args: {
            "passed": s.rng.randint(8, 60),
            "failed": s.rng.choice((0, 0, 1, 2)),
            "seconds": round(s.rng.uniform(1.5, 40), 1),
        },
        (TIMEOUT, ("subprocess.CalledProcessError", "pytest exited with status 4: usage error")),
    ),
    Tool(
        "run_sql",
        "Run a read-only SQL query on the analytics warehouse",
        lambda s: {"query": f"SELECT plan, count(*) FROM {s['table']} GROUP BY plan"},  # noqa: S608
        lambda s, args: {
            "columns": ["plan", "count"],
            "rows": [["free", s.rng.randint(1000, 9000)], ["pro", s.rng.randint(100, 900)]],
        },
        (("sqlite3.OperationalError", "no such column: plan"), TIMEOUT),
    ),
)

TRAVEL_TOOLS = (
    Tool(
        "search_flights",
        "Find flights between two cities on a date",
        lambda s: {
            "origin": s["city2"],
            "destination": s["city"],
            "date": f"2026-0{s.rng.randint(4, 9)}-{s.rng.randint(10, 28)}",
        },
        _flights,
        (TIMEOUT, UNAVAILABLE),
    ),
    Tool(
        "get_weather",
        "Weather forecast for a city",
        lambda s: {"city": s["city"]},
        lambda s, args: {
            "city": args["city"],
            "temp_c": s.rng.randint(4, 31),
            "sky": s.rng.choice(("clear", "cloudy", "rain", "showers")),
        },
        (TIMEOUT,),
    ),
    Tool(
        "search_hotels",
        "Hotels in a city under a nightly price",
        lambda s: {
            "city": s["city"],
            "nights": int(s["days"]),
            "max_price_eur": s.rng.randrange(80, 300, 10),
        },
        _hotels,
        (RATE_LIMITED, TIMEOUT),
    ),
    Tool(
        "convert_currency",
        "Convert an amount between currencies",
        lambda s: {
            "amount": s.rng.randint(50, 3000),
            "from": "EUR",
            "to": s.rng.choice(("JPY", "NOK", "MXN", "ZAR", "CAD", "VND")),
        },
        lambda s, args: {
            "amount": round(args["amount"] * s.rng.uniform(1.2, 160), 2),
            "currency": args["to"],
        },
        (UNAVAILABLE,),
    ),
)


# --- agents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subagent:
    """A specialist the main agent calls as a tool (``ask_<name>``)."""

    name: str
    description: str
    tools: tuple[Tool, ...]
    tasks: tuple[str, ...]
    summaries: tuple[str, ...]

    @property
    def tool_name(self) -> str:
        return "ask_" + self.name.replace("-", "_")


@dataclass(frozen=True)
class Ask:
    """A user message, the agent's final answer to it, and the tools it tends to use."""

    question: str
    answer: str
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agent:
    """A main agent: who it is, what users ask it, what it answers, what it can call."""

    name: str
    system: str
    tools: tuple[Tool, ...]
    subagents: tuple[Subagent, ...]
    data_source: str
    opening: tuple[Ask, ...]
    """What a conversation starts with."""
    followups: tuple[Ask, ...]
    paragraphs: tuple[str, ...]
    """Material for the occasional long answer."""

    def pick_tool(self, rng: random.Random, ask: Ask) -> Tool:
        """One of the tools ``ask`` suggests (most of the time), else any of the agent's."""
        named = [tool for tool in self.tools if tool.name in ask.tools]
        return rng.choice(named if named and rng.random() < 0.75 else self.tools)


AGENTS = (
    Agent(
        name="support-agent",
        system="You are the customer support agent of Acme Outfitters. Be brief and friendly; "
        "never promise refunds above 250 EUR without a ticket.",
        tools=SUPPORT_TOOLS,
        subagents=(
            Subagent(
                "billing-specialist",
                "Checks charges, invoices and refunds",
                SUPPORT_TOOLS[2:3],
                ("Check the charges on order {order} and whether a refund of {amount} EUR is due",),
                ("Two charges of {amount} EUR on {order}; one is a duplicate, refund it.",),
            ),
        ),
        data_source="help-center-articles",
        opening=(
            Ask(
                "Where is my order {order}? It should have arrived by now.",
                "Your order {order} is with the carrier and should arrive within 2-3 working "
                "days. I'll keep an eye on it.",
                ("get_order_status", "lookup_customer"),
            ),
            Ask(
                "I was charged twice for order {order}. Can you refund one of the charges?",
                "I've issued a refund of {amount} EUR for the duplicate charge; it takes 5-7 "
                "working days to show on your statement.",
                ("lookup_customer", "issue_refund"),
            ),
            Ask(
                "My {product} arrived damaged. What can I do?",
                "I'm sorry about the damaged {product}. I've opened a ticket and our team will "
                "send a replacement within 48 hours.",
                ("get_order_status", "create_ticket"),
            ),
            Ask(
                "How do I change the delivery address for order {order}?",
                "Order {order} hasn't shipped yet, so I could change the address for you. You'll "
                "get a confirmation email in a few minutes.",
                ("get_order_status", "search_help_center"),
            ),
            Ask(
                "Can I return the {product} I bought last month? I never used it.",
                "Yes: unused items can be returned within 60 days. I've emailed you a prepaid "
                "return label.",
                ("search_help_center", "lookup_customer"),
            ),
        ),
        followups=(
            Ask(
                "Thanks. Can you also check order {order}?",
                "Order {order} was delivered yesterday to your parcel locker.",
                ("get_order_status",),
            ),
            Ask(
                "How long will the refund take?",
                "Refunds reach your card within 5-7 working days; you'll get an email when it "
                "is sent.",
                ("search_help_center",),
            ),
            Ask(
                "Can I get that in writing by email?",
                "Done: I've sent a summary to the email on your account.",
                ("lookup_customer", "create_ticket"),
            ),
            Ask(
                "That's not what the website said.",
                "You're right, the help page is out of date. I've flagged it and applied the "
                "better of the two policies to your order.",
                ("search_help_center", "create_ticket"),
            ),
        ),
        paragraphs=(
            "Here is what I found on your account and what happens next.",
            "Order {order} left our warehouse on Monday and was handed to the carrier the same "
            "day. The tracking shows a delay at the regional hub, which is common after public "
            "holidays; parcels usually move again within 24 hours.",
            "If it has not arrived by Friday, reply to this conversation and I will send a "
            "replacement at no cost, or refund the full amount of {amount} EUR if you prefer.",
            "About the second charge: it was an authorisation hold from the first payment attempt "
            "that failed. Holds are released automatically by your bank within 3-5 working days, "
            "so no action is needed on your side.",
            "I've also added a note to your account so that any colleague who picks this up has "
            "the full history.",
            "For your records: the case number is on the confirmation email, and you can reply "
            "to that email at any time; it reaches the same team and keeps the history together.",
            "One more thing: the {product} you asked about is covered by a two-year warranty, so "
            "if anything goes wrong after the return window, we repair or replace it for free. "
            "You only need the order number, {order}, and a photo of the problem.",
            "If you would rather talk to someone, our phone line is open 8:00-20:00 on weekdays "
            "and 9:00-17:00 on Saturdays; mention the case number and you won't need to repeat "
            "any of this.",
            "Is there anything else I can help you with today?",
        ),
    ),
    Agent(
        name="research-agent",
        system="You are a research assistant. Cite sources as [n] and say how confident you are.",
        tools=RESEARCH_TOOLS,
        subagents=(
            Subagent(
                "fact-checker",
                "Verifies individual claims against sources",
                RESEARCH_TOOLS[:1],
                ("Verify: the effect on {topic} was replicated after {year}",),
                ("Partly supported: two of three sources agree; one has a small sample.",),
            ),
            Subagent(
                "web-researcher",
                "Finds and reads recent sources",
                RESEARCH_TOOLS[:2],
                ("Find sources from {year} or later on {topic}",),
                ("Found 3 relevant sources from {year} onwards; the strongest is a field study.",),
            ),
        ),
        data_source="papers-index",
        opening=(
            Ask(
                "Summarise what is known about {topic}.",
                "The evidence on {topic} is mixed: larger studies find small effects [1][2], "
                "while one field study finds none [3]. Confidence: moderate.",
                ("web_search", "fetch_url"),
            ),
            Ask(
                "What are the strongest arguments against {topic}?",
                "Three come up again and again: costs are underestimated [1], results do not "
                "transfer across settings [2], and the data are thin outside Europe [3].",
                ("web_search",),
            ),
            Ask(
                "Find three recent papers on {topic} and compare their methods.",
                "Three recent papers: a benchmark [1], a field study [2] and a survey [3]. The "
                "benchmark and the field study disagree mainly because of how they sample.",
                ("web_search", "summarize_pdf"),
            ),
            Ask(
                "Is there evidence from after {year} on {topic}?",
                "Nothing after {year} changes the picture; the most recent review is from {year} "
                "and agrees with the earlier work [1].",
                ("web_search", "fetch_url"),
            ),
        ),
        followups=(
            Ask(
                "Which of those sources is the most reliable?",
                "[2]: it is pre-registered, has the largest sample, and its data are public.",
                ("fetch_url",),
            ),
            Ask(
                "Can you give me the numbers behind that?",
                "The pooled effect is 0.18 (95% CI 0.07-0.29) across 14 studies [1]; the field "
                "study reports 0.02 (CI -0.10-0.14) [3].",
                ("summarize_pdf", "fetch_url"),
            ),
            Ask(
                "Make it shorter, five bullet points.",
                "- Effects are real but small\n- Setting matters a lot\n- One null field study\n"
                "- Likely publication bias\n- Confidence: moderate",
            ),
            Ask(
                "What would change your conclusion?",
                "A pre-registered replication with a broader sample, or cost data from "
                "deployments at scale.",
                ("web_search",),
            ),
        ),
        paragraphs=(
            "Short answer: the picture on {topic} is more nuanced than the headlines suggest.",
            "The strongest evidence comes from two large studies that use different methods and "
            "still reach similar conclusions [1][2]. Both report effects that are real but small, "
            "and both note that results depend heavily on the setting.",
            "A field study from {year} [3] found no effect at all. Its sample was small and drawn "
            "from a single region, so it does not contradict the larger studies as much as it "
            "seems to, but it is a useful reminder that lab results do not always transfer.",
            "Critics make three points: the outcome measures are not standardised, publication "
            "bias is likely, and most of the data come from a handful of countries.",
            "What would change my mind: a pre-registered replication with a broader sample, or "
            "cost data from deployments at scale.",
            "On methods: the two large studies both use matched comparison groups, but one "
            "measures outcomes after six months and the other after two years. The longer study "
            "finds the effect shrinking over time, which matters if you care about durable "
            "results rather than short-term ones.",
            "Costs are the least studied part. Only one paper reports them in any detail, and its "
            "numbers come from a pilot that ran for a single season, so extrapolating from it "
            "would be risky.",
            "If you need a single sentence for a report: the best available evidence on {topic} "
            "points to a small positive effect that depends on context, with moderate confidence.",
            "Confidence: moderate. I would treat any single number here as indicative only.",
        ),
    ),
    Agent(
        name="coding-agent",
        system="You are a senior engineer pairing with the user on their repository. Prefer "
        "small, tested changes.",
        tools=CODING_TOOLS,
        subagents=(
            Subagent(
                "code-reviewer",
                "Reviews a proposed change",
                CODING_TOOLS[2:3],
                ("Review the change to {module} for edge cases",),
                ("Looks correct; add a test for the empty list and for a missing {key}.",),
            ),
        ),
        data_source="repo-docs",
        opening=(
            Ask(
                "Why does {test} fail with KeyError {key}?",
                "{test} fails because {module} reads {key} before it is set for guest orders. I "
                "moved the lookup after the guard and the tests pass.",
                ("grep_repo", "read_file", "run_tests"),
            ),
            Ask(
                "Write a SQL query for monthly active users by plan from the {table} table.",
                "Here is the query:\n\nSELECT date_trunc('month', created_at) AS month, plan, "
                "count(DISTINCT user_id) AS users FROM {table} GROUP BY 1, 2 ORDER BY 1;",
                ("run_sql",),
            ),
            Ask(
                "Refactor {module} so the currency conversion is tested separately.",
                "Done: the conversion now lives in its own function with four unit tests; "
                "behaviour is unchanged and the suite passes.",
                ("read_file", "run_tests"),
            ),
            Ask(
                "Our CI got slow. Which tests take the longest?",
                "The three slowest files take 70% of the time; {test} alone takes 38 s because "
                "it rebuilds the database for every case.",
                ("run_tests", "grep_repo"),
            ),
        ),
        followups=(
            Ask(
                "Run the tests again please.",
                "All green: 57 passed in 21 s.",
                ("run_tests",),
            ),
            Ask(
                "Can you make it handle None as well?",
                "Sure: None now means 'no currency' and falls back to EUR, with a test.",
                ("read_file", "run_tests"),
            ),
            Ask(
                "Explain that last change.",
                "The lookup used to run before the guest check; now it runs after it, so guests "
                "never reach the line that needs {key}.",
            ),
            Ask(
                "Now write a PR description for it.",
                "Title: Fix KeyError for guest orders in {module}\n\nMoves the lookup after the "
                "guest guard and adds two regression tests. No behaviour change for members.",
                ("grep_repo",),
            ),
        ),
        paragraphs=(
            "I traced the failure to an ordering problem, not to the data.",
            "In {module} the function reads {key} from the request before checking whether the "
            "order belongs to a guest. Guest orders never carry that key, so the lookup raises "
            "KeyError on exactly the path {test} exercises.",
            "The fix moves the lookup below the guard and gives guests an explicit default. I "
            "kept the public signature unchanged so no caller needs to change.",
            "I added two tests: one for a guest order and one for an order whose {key} is "
            "present but empty. The full suite passes locally in about twelve seconds.",
            "Follow-up worth doing: the same pattern appears in two other handlers. I left them "
            "alone to keep this change small, but I can send a second patch.",
            "Why it only showed up now: the guest checkout flag was switched on for all regions "
            "last week. Before that, guest orders only existed in the staging data, which the "
            "nightly tests do not cover, so the code path was effectively untested.",
            "To catch this class of bug earlier, I suggest adding a property-based test that "
            "generates orders with and without optional keys. It runs in under a second and "
            "would have failed on the first example here.",
            "Risk of the change: low. It touches one function, keeps its signature, and the two "
            "new tests pin the behaviour for both kinds of order. I ran the full suite twice to "
            "rule out flakiness; both runs were green.",
        ),
    ),
    Agent(
        name="travel-planner",
        system="You plan trips. Give concrete options with prices in EUR and keep to the budget.",
        tools=TRAVEL_TOOLS,
        subagents=(
            Subagent(
                "local-guide",
                "Suggests neighbourhoods, food and day trips",
                TRAVEL_TOOLS[1:2],
                ("Suggest two day trips from {city} in {month}",),
                ("From {city}: a coastal walk and a wine region tour, both doable by train.",),
            ),
        ),
        data_source="destination-guides",
        opening=(
            Ask(
                "Plan a {days}-day trip to {city} in {month} for a budget of {budget}.",
                "For {days} days in {city} in {month}: flights around 320 EUR, a central hotel "
                "at 110 EUR a night, total about {budget}.",
                ("search_flights", "search_hotels", "get_weather"),
            ),
            Ask(
                "What's the cheapest way to get from {city2} to {city} next month?",
                "The cheapest option is the Tuesday morning flight with one stop, 145 EUR.",
                ("search_flights",),
            ),
            Ask(
                "Is {month} a good time to visit {city}?",
                "{month} is a good time for {city}: mild weather and fewer crowds than summer.",
                ("get_weather",),
            ),
            Ask(
                "Find a hotel in {city} near the old town under 150 EUR a night.",
                "Hotel Garden, 132 EUR a night, rated 4.6, five minutes from the old town.",
                ("search_hotels",),
            ),
        ),
        followups=(
            Ask(
                "Can you swap the hotel for something quieter?",
                "Hotel Riverside is on a side street by the park, 118 EUR a night, rated 4.5.",
                ("search_hotels",),
            ),
            Ask(
                "What about going a week later?",
                "A week later flights are 60 EUR cheaper and the forecast is a little warmer.",
                ("search_flights", "get_weather"),
            ),
            Ask(
                "Add a day trip.",
                "Added a day trip by train to the coast on day 3, about 35 EUR return.",
            ),
            Ask(
                "Convert the total to local currency.",
                "The total of {budget} comes to roughly 4.1 million in local currency at "
                "today's rate.",
                ("convert_currency",),
            ),
        ),
        paragraphs=(
            "Here is a plan for {days} days in {city} in {month} that stays within {budget}.",
            "Getting there: the best-value flight leaves on a Tuesday morning with no stops. "
            "Prices for those dates are about 20 percent below the weekend.",
            "Where to stay: a small hotel near the old town at about 110 EUR a night, rated 4.6, "
            "a ten-minute walk from the main sights and close to public transport.",
            "Day by day: arrive and explore the old town; a museum day; a day trip by train to "
            "the coast; a market morning and a food tour; a free day before you fly back.",
            "Weather in {month} is usually mild, with occasional showers, so pack a light rain "
            "jacket and comfortable walking shoes.",
            "Food: the covered market near the old town is the best value for lunch, and most "
            "neighbourhood restaurants have a fixed-price menu at midday for about 15 EUR. "
            "Dinner is later than you may be used to; many places open at 19:30.",
            "Getting around: buy a multi-day transport pass on arrival; it covers the metro, "
            "buses and the train to the coast, and pays for itself after about six rides.",
            "If the budget is tight, the easiest savings are flying midweek, staying one "
            "neighbourhood further out, and skipping the paid viewpoint in favour of the free "
            "one across the river, which has the better sunset anyway.",
            "Estimated total: flights 320 EUR, hotel 660 EUR, food and transport 350 EUR.",
        ),
    ),
)


# --- models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A model an agent calls: provider, request and response names, operation name."""

    provider: str
    name: str
    response_name: str
    small: str
    """The cheaper model its subagents use."""

    @property
    def operation(self) -> str:
        # Gemini spans from Google ADK are ``generate_content``; the others are ``chat``.
        return "generate_content" if self.provider == "gcp.gemini" else "chat"

    def response_id(self, rng: random.Random) -> str | None:
        if self.provider == "openai":
            return f"chatcmpl-{rng.getrandbits(96):024x}"
        if self.provider == "anthropic":
            return f"msg_{rng.getrandbits(96):024x}"
        return None

    def call_id(self, rng: random.Random) -> str:
        if self.provider == "openai":
            return f"call_{rng.getrandbits(96):024x}"
        if self.provider == "anthropic":
            return f"toolu_{rng.getrandbits(96):024x}"
        return f"adk-{rng.getrandbits(64):016x}"


MODELS = (
    Model("openai", "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini"),
    Model("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    Model("anthropic", "claude-sonnet-4", "claude-sonnet-4-20250514", "claude-3-5-haiku"),
    Model("gcp.gemini", "gemini-2.0-flash", "gemini-2.0-flash-001", "gemini-2.0-flash-lite"),
)
EMBEDDING_MODEL = ("openai", "text-embedding-3-small", 1536)


def long_answer(slots: TextSlots, agent: Agent) -> str:
    """A multi-paragraph answer (about 1.5-2 k characters) from the agent's paragraphs."""
    first, *middle, last = agent.paragraphs
    dropped = set(slots.rng.sample(range(len(middle)), 2))
    body = [first, *(p for i, p in enumerate(middle) if i not in dropped), last]
    return "\n\n".join(slots.fill(p) for p in body)
