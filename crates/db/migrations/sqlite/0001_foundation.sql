-- Opportune foundation schema (SQLite). Money in minor units (INTEGER = 64-bit), dates as ISO text.

CREATE TABLE org_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    fiscal_year_start_month INTEGER NOT NULL DEFAULT 1,
    locale TEXT NOT NULL DEFAULT 'zh-CN',
    default_sales_cycle_days INTEGER NOT NULL DEFAULT 90,
    week_start INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES teams(id),
    created_at TEXT NOT NULL
);

-- Every (ancestor, descendant) pair of the team tree, including (t, t): visibility is one join.
CREATE TABLE team_closure (
    ancestor_id INTEGER NOT NULL REFERENCES teams(id),
    descendant_id INTEGER NOT NULL REFERENCES teams(id),
    PRIMARY KEY (ancestor_id, descendant_id)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    team_id INTEGER REFERENCES teams(id),
    locale TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_team ON users(team_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE processes (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    process_id INTEGER NOT NULL REFERENCES processes(id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    definition_zh TEXT NOT NULL DEFAULT '',
    definition_en TEXT NOT NULL DEFAULT '',
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    target_days INTEGER NOT NULL DEFAULT 0,
    criteria_mode TEXT NOT NULL DEFAULT 'all' CHECK (criteria_mode IN ('all', 'any')),
    UNIQUE (process_id, key)
);
CREATE INDEX stages_process ON stages(process_id, position);

-- Entry criteria ('entry') and the work checklist ('work') of a stage.
CREATE TABLE stage_items (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('entry', 'work')),
    position INTEGER NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL
);
CREATE INDEX stage_items_stage ON stage_items(stage_id, kind, position);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    industry TEXT NOT NULL DEFAULT '',
    size TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    grade TEXT,
    status TEXT NOT NULL DEFAULT 'prospect',
    needs_notes TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL REFERENCES users(id),
    team_id INTEGER REFERENCES teams(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX accounts_owner ON accounts(owner_id, name);
CREATE INDEX accounts_team ON accounts(team_id, name);
CREATE INDEX accounts_name ON accounts(name);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    hometown TEXT NOT NULL DEFAULT '',
    birthday TEXT,
    interests TEXT NOT NULL DEFAULT '',
    tenure TEXT NOT NULL DEFAULT '',
    authority TEXT NOT NULL DEFAULT '',
    personality TEXT NOT NULL DEFAULT '',
    working_style TEXT NOT NULL DEFAULT '',
    family_notes TEXT NOT NULL DEFAULT '',
    business_needs TEXT NOT NULL DEFAULT '',
    personal_needs TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL REFERENCES users(id),
    team_id INTEGER REFERENCES teams(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contacts_account ON contacts(account_id);
CREATE INDEX contacts_owner ON contacts(owner_id, name);
CREATE INDEX contacts_team ON contacts(team_id, name);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'new',
    notes TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL REFERENCES users(id),
    team_id INTEGER REFERENCES teams(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX leads_owner ON leads(owner_id, created_at);
CREATE INDEX leads_team ON leads(team_id, created_at);

CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    team_id INTEGER REFERENCES teams(id),
    amount_minor INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    expected_close_date TEXT NOT NULL,
    process_id INTEGER NOT NULL REFERENCES processes(id),
    stage_id INTEGER NOT NULL REFERENCES stages(id),
    stage_entered_at TEXT NOT NULL,
    certainty INTEGER NOT NULL DEFAULT 0,
    certainty_evidence INTEGER NOT NULL DEFAULT 0,
    smart_goal TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    competitors TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    tracked BOOLEAN NOT NULL DEFAULT FALSE,
    grade TEXT,
    first_meeting_date TEXT,
    next_review_date TEXT,
    closed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX opportunities_board_owner ON opportunities(process_id, status, owner_id, stage_id, expected_close_date);
CREATE INDEX opportunities_board_team ON opportunities(process_id, status, team_id, stage_id, expected_close_date);
CREATE INDEX opportunities_owner ON opportunities(owner_id, expected_close_date);
CREATE INDEX opportunities_team ON opportunities(team_id, expected_close_date);
CREATE INDEX opportunities_account ON opportunities(account_id);
CREATE INDEX opportunities_stage ON opportunities(stage_id, status, expected_close_date);
CREATE INDEX opportunities_close ON opportunities(expected_close_date);

-- Which entry criteria / work items are ticked on a deal.
CREATE TABLE opportunity_checks (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL REFERENCES stage_items(id) ON DELETE CASCADE,
    checked_by INTEGER NOT NULL REFERENCES users(id),
    checked_at TEXT NOT NULL,
    PRIMARY KEY (opportunity_id, item_id)
);

-- Append-only history of every change that matters for movement, forecast and audit.
CREATE TABLE opportunity_events (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    reason TEXT
);
CREATE INDEX opportunity_events_opp ON opportunity_events(opportunity_id, at);
CREATE INDEX opportunity_events_at ON opportunity_events(at);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER REFERENCES opportunities(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    participants TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    next_step TEXT NOT NULL DEFAULT '',
    next_step_date TEXT,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    team_id INTEGER REFERENCES teams(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX activities_opp ON activities(opportunity_id, occurred_on);
CREATE INDEX activities_account ON activities(account_id, occurred_on);
CREATE INDEX activities_owner ON activities(owner_id, occurred_on);
CREATE INDEX activities_team ON activities(team_id, occurred_on);
