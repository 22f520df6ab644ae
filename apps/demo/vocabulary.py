"""Words the demo generator draws from: names, companies, titles, values, errors."""

FIRST_NAMES = (
    "Alice", "Bruno", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hugo", "Ines",
    "Jonas", "Keiko", "Liam", "Mia", "Noah", "Priya", "Quentin", "Rosa", "Sami",
    "Tara", "Ugo", "Vera", "Wen", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Bakker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Peters",
    "Quinn", "Rossi", "Schmidt", "Tanaka", "Urban", "Vargas", "Weber", "Young",
)  # fmt: skip

COMPANY_BASES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
    "Wonka", "Soylent", "Tyrell", "Cyberdyne", "Aperture", "Monarch", "Oscorp",
    "Pied Piper", "Dunder", "Gekko", "Nakatomi", "Sirius", "Zenith", "Nimbus",
    "Polaris", "Quantum",
)  # fmt: skip
COMPANY_SUFFIXES = (
    "Corp", "Industries", "Labs", "Systems", "Group", "Logistics", "Health", "Foods",
)  # fmt: skip
# Where the candidates, vendors and speakers of "other" meetings write from.
PERSONAL_DOMAINS = ("mail.example", "inbox.example", "post.example")

SALES_TITLES = (
    "Discovery call", "Product demo", "Pricing discussion", "Technical deep dive",
    "Contract review", "Quarterly business review", "Follow-up", "Intro call",
    "Security review", "Renewal discussion",
)  # fmt: skip
INTERNAL_TITLES = (
    "Weekly pipeline review", "Team standup", "1:1", "Forecast sync", "Deal strategy",
    "Account planning", "Enablement: objection handling", "Marketing sync",
    "Hiring debrief", "Sales kickoff prep",
)  # fmt: skip
OTHER_TITLES = (
    "Lunch", "Focus time", "Webinar: AI in sales", "Candidate interview",
    "Vendor call", "Doctor appointment", "Conference prep", "Travel",
)  # fmt: skip

# How often each field is extracted from a completed debriefing, and its values.
FIELD_PRESENCE = {
    "budget": 0.7,
    "timeline": 0.8,
    "decision_maker": 0.75,
    "next_step": 0.95,
    "pain_point": 0.85,
}
FIELD_VALUES = {
    "budget": (
        "$50k approved for this fiscal year",
        "Budget pending CFO sign-off",
        "No budget until Q3",
        "$120k across two departments",
        "Under $20k, needs monthly billing",
    ),
    "timeline": (
        "Decision by end of quarter",
        "Pilot next month, rollout in Q4",
        "No fixed timeline",
        "Must go live before the sales kickoff",
        "Evaluating over the next 6 weeks",
    ),
    "decision_maker": (
        "VP of Sales",
        "CFO",
        "Head of Revenue Operations",
        "CEO, with IT veto",
        "Procurement committee",
    ),
    "next_step": (
        "Send proposal",
        "Schedule technical demo",
        "Share security documentation",
        "Intro to procurement",
        "Trial setup for 5 users",
        "Follow-up call next week",
    ),
    "pain_point": (
        "Reps skip CRM updates after calls",
        "Forecasts are unreliable",
        "Managers lack visibility into deals",
        "Too much manual note-taking",
        "Slow onboarding of new reps",
    ),
}

# name -> (weight at the start, weight at the end, P(positive), P(neutral)).
COMPETITORS = {
    "Gong": (40, 36, 0.25, 0.45),
    "Chorus": (25, 20, 0.2, 0.5),
    "Clari": (15, 15, 0.3, 0.5),
    "Avoma": (10, 8, 0.2, 0.6),
    # The rising one: rare at first, second most mentioned by the end.
    "Fireflies": (2, 30, 0.45, 0.4),
}
MENTION_CONTEXTS = {
    "positive": (
        "They like {c}'s call recording",
        "{c} is the incumbent and well liked by the reps",
    ),
    "neutral": ("Evaluating {c} in parallel", "{c} demo booked for next week"),
    "negative": (
        "Unhappy with {c}'s pricing",
        "{c} contract ends soon and they will not renew",
    ),
}

CRM_ERRORS = {
    "salesforce": (
        "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record",
        "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded",
        "INVALID_SESSION_ID: Session expired or invalid",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION: Close date must be in the future",
    ),
    "hubspot": (
        "429 Too Many Requests: secondly rate limit reached",
        "401 Unauthorized: access token expired",
        "400 Bad Request: Property 'budget' does not exist",
        "502 Bad Gateway",
    ),
}
CRM_CONFLICT_ERROR = "Conflict: the record changed in the CRM since the last pull"
CRM_OUTAGE_ERROR = "ConnectTimeout: the CRM gateway did not answer within 30 s"
CACHE_DOWN_ERROR = "ConnectionError: Error 111 connecting to cache:6379"
