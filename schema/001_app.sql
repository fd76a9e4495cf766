-- 001_app.sql - the MujDomecek app tables (spec/data-model.md).
--
-- The app, its API, the jobs and a person at the sqlite3 shell all write
-- these tables, so names and types are exactly the data model's. The
-- migrator runs this file inside one transaction; no PRAGMAs here.
--
-- Choices the data model leaves open:
-- * NOT NULL: ids, foreign keys that say whose a row is, created_at,
--   expires_at, names/emails, and the few columns a row means nothing
--   without (a storage_key, a comment's content, an event's type). Every
--   other column is nullable or has a default, so a writer may insert only
--   what it knows.
-- * Type discriminators with no neutral value (activities.type,
--   notifications.type, sync_queue.entity_type/operation,
--   invitations.target_type) are required; where a neutral value exists it
--   is the default (unit_type 'other', document type 'document', role
--   'viewer', status 'pending'/'draft').
-- * updated_at "defaults to created_at at insert": SQLite cannot name
--   another column in DEFAULT and NOT NULL is checked before AFTER
--   triggers, so updated_at is nullable and a trigger copies created_at
--   into it when the insert left it NULL. app_settings has no created_at
--   and defaults to now.
-- * ON DELETE: rows are soft-deleted, so a hard delete is a deliberate
--   purge. A purge of a parent takes its subtree (CASCADE: project ->
--   property -> unit/record -> documents, comments, tags) and a purged
--   user's private rows; it clears authorship that history keeps
--   (SET NULL: created_by, actor_user_id, updated_by_user_id); it is
--   refused for a project owner (transfer first) and for a tag still in
--   use (deactivate with is_active instead). refresh_tokens chain through
--   replaced_by_token_id, which is SET NULL so token cleanup can delete
--   in any order. audit_log.actor_user_id has no foreign key on purpose:
--   an audit trail must outlive, unchanged, whom it names.
-- * JSON columns say "x IS NULL OR json_valid(x)": json_valid(NULL) is 0,
--   not NULL, before SQLite 3.45.
-- * tags.is_active defaults to 0 as every is_* does; the seeded tags are
--   active.
-- * Besides the data model's indexes, every foreign key column used for
--   lookups or purges is indexed, and the jobs' lookups have theirs.

CREATE TABLE users (
	id TEXT NOT NULL PRIMARY KEY,
	first_name TEXT,
	last_name TEXT,
	email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
	phone TEXT,
	avatar_storage_key TEXT,
	preferred_language TEXT NOT NULL DEFAULT 'cs'
		CHECK (preferred_language IN ('cs', 'en')),
	theme_preference TEXT NOT NULL DEFAULT 'system'
		CHECK (theme_preference IN ('light', 'dark', 'system')),
	is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	created_at TEXT NOT NULL,
	last_login_at TEXT,
	is_blocked INTEGER NOT NULL DEFAULT 0 CHECK (is_blocked IN (0, 1)),
	blocked_reason TEXT,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE user_preferences (
	user_id TEXT NOT NULL PRIMARY KEY
		REFERENCES users (id) ON DELETE CASCADE,
	push_new_comments INTEGER NOT NULL DEFAULT 1
		CHECK (push_new_comments IN (0, 1)),
	push_mentions INTEGER NOT NULL DEFAULT 1
		CHECK (push_mentions IN (0, 1)),
	push_shared_activity INTEGER NOT NULL DEFAULT 1
		CHECK (push_shared_activity IN (0, 1)),
	push_draft_reminders INTEGER NOT NULL DEFAULT 1
		CHECK (push_draft_reminders IN (0, 1)),
	email_weekly_summary INTEGER NOT NULL DEFAULT 0
		CHECK (email_weekly_summary IN (0, 1)),
	email_invitations INTEGER NOT NULL DEFAULT 1
		CHECK (email_invitations IN (0, 1)),
	sync_enabled INTEGER NOT NULL DEFAULT 1
		CHECK (sync_enabled IN (0, 1)),
	sync_on_mobile_data INTEGER NOT NULL DEFAULT 0
		CHECK (sync_on_mobile_data IN (0, 1))
);

CREATE TABLE refresh_tokens (
	id TEXT NOT NULL PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	device_info TEXT,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	revoked_at TEXT,
	replaced_by_token_id TEXT
		REFERENCES refresh_tokens (id) ON DELETE SET NULL
);

CREATE TABLE app_settings (
	key TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL CHECK (json_valid(value)),
	updated_at TEXT NOT NULL
		DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	updated_by_user_id TEXT REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE projects (
	id TEXT NOT NULL PRIMARY KEY,
	owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE NO ACTION,
	name TEXT NOT NULL,
	description TEXT,
	created_at TEXT NOT NULL,
	updated_at TEXT DEFAULT NULL,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE project_members (
	id TEXT NOT NULL PRIMARY KEY,
	project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL DEFAULT 'viewer'
		CHECK (role IN ('owner', 'editor', 'viewer')),
	permissions TEXT CHECK (permissions IS NULL OR json_valid(permissions)),
	created_at TEXT NOT NULL,
	UNIQUE (project_id, user_id)
);

CREATE TABLE properties (
	id TEXT NOT NULL PRIMARY KEY,
	project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	description TEXT,
	latitude REAL CHECK (latitude BETWEEN -90 AND 90),
	longitude REAL CHECK (longitude BETWEEN -180 AND 180),
	geo_radius INTEGER NOT NULL DEFAULT 100 CHECK (geo_radius > 0),
	created_at TEXT NOT NULL,
	updated_at TEXT DEFAULT NULL,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE property_members (
	id TEXT NOT NULL PRIMARY KEY,
	property_id TEXT NOT NULL
		REFERENCES properties (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL DEFAULT 'viewer'
		CHECK (role IN ('owner', 'editor', 'viewer')),
	permissions TEXT CHECK (permissions IS NULL OR json_valid(permissions)),
	created_at TEXT NOT NULL,
	UNIQUE (property_id, user_id)
);

CREATE TABLE units (
	id TEXT NOT NULL PRIMARY KEY,
	property_id TEXT NOT NULL
		REFERENCES properties (id) ON DELETE CASCADE,
	parent_unit_id TEXT REFERENCES units (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	description TEXT,
	unit_type TEXT NOT NULL DEFAULT 'other'
		CHECK (unit_type IN ('flat', 'house', 'garage', 'garden', 'room',
				     'stairs', 'other')),
	created_at TEXT NOT NULL,
	updated_at TEXT DEFAULT NULL,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE zaznamy (
	id TEXT NOT NULL PRIMARY KEY,
	property_id TEXT NOT NULL
		REFERENCES properties (id) ON DELETE CASCADE,
	unit_id TEXT REFERENCES units (id) ON DELETE SET NULL,
	title TEXT,
	description TEXT,
	date TEXT CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	cost INTEGER,
	status TEXT NOT NULL DEFAULT 'draft'
		CHECK (status IN ('draft', 'complete')),
	flags INTEGER NOT NULL DEFAULT 0 CHECK (flags >= 0),
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT DEFAULT NULL,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE zaznam_dokumenty (
	id TEXT NOT NULL PRIMARY KEY,
	zaznam_id TEXT NOT NULL REFERENCES zaznamy (id) ON DELETE CASCADE,
	type TEXT NOT NULL DEFAULT 'document'
		CHECK (type IN ('photo', 'document', 'receipt')),
	storage_key TEXT NOT NULL,
	original_file_name TEXT,
	mime_type TEXT,
	size_bytes INTEGER CHECK (size_bytes >= 0),
	description TEXT,
	created_at TEXT NOT NULL,
	updated_at TEXT DEFAULT NULL,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE tags (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	icon TEXT,
	sort_order INTEGER NOT NULL DEFAULT 0,
	is_active INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1))
);

CREATE TABLE zaznam_tags (
	zaznam_id TEXT NOT NULL REFERENCES zaznamy (id) ON DELETE CASCADE,
	tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE NO ACTION,
	PRIMARY KEY (zaznam_id, tag_id)
);

CREATE TABLE comments (
	id TEXT NOT NULL PRIMARY KEY,
	zaznam_id TEXT NOT NULL REFERENCES zaznamy (id) ON DELETE CASCADE,
	author_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	content TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT DEFAULT NULL,
	is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
	deleted_at TEXT
);

CREATE TABLE comment_mentions (
	comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
	mentioned_user_id TEXT NOT NULL
		REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (comment_id, mentioned_user_id)
);

-- target_id names a project or a property (target_type): no foreign key.
CREATE TABLE invitations (
	id TEXT NOT NULL PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	target_type TEXT NOT NULL CHECK (target_type IN ('project', 'property')),
	target_id TEXT NOT NULL,
	email TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT 'viewer'
		CHECK (role IN ('owner', 'editor', 'viewer')),
	permissions TEXT CHECK (permissions IS NULL OR json_valid(permissions)),
	status TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'accepted', 'declined', 'expired')),
	expires_at TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE activities (
	id TEXT NOT NULL PRIMARY KEY,
	property_id TEXT NOT NULL
		REFERENCES properties (id) ON DELETE CASCADE,
	actor_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	type TEXT NOT NULL
		CHECK (type IN ('zaznam_created', 'zaznam_updated', 'zaznam_deleted',
				'comment_added', 'member_joined', 'member_left',
				'member_role_changed', 'document_uploaded')),
	target_type TEXT,
	target_id TEXT,
	metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
	created_at TEXT NOT NULL
);

CREATE TABLE notifications (
	id TEXT NOT NULL PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type TEXT NOT NULL
		CHECK (type IN ('invitation_received', 'invitation_accepted',
				'invitation_expired', 'invitation_declined',
				'mention_in_comment', 'comment_on_your_zaznam',
				'draft_reminder', 'draft_expiring', 'sync_failed',
				'export_failed')),
	payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
	read_at TEXT,
	created_at TEXT NOT NULL
);

CREATE TABLE contacts (
	id TEXT NOT NULL PRIMARY KEY,
	owner_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	display_name TEXT,
	created_at TEXT NOT NULL,
	UNIQUE (owner_user_id, email)
);

CREATE TABLE contact_groups (
	id TEXT NOT NULL PRIMARY KEY,
	owner_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE contact_group_members (
	id TEXT NOT NULL PRIMARY KEY,
	group_id TEXT NOT NULL REFERENCES contact_groups (id) ON DELETE CASCADE,
	contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	UNIQUE (group_id, contact_id)
);

CREATE TABLE audit_log (
	id TEXT NOT NULL PRIMARY KEY,
	entity_type TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	action TEXT NOT NULL,
	actor_user_id TEXT,
	diff_summary TEXT CHECK (diff_summary IS NULL OR json_valid(diff_summary)),
	created_at TEXT NOT NULL
);

-- entity_id is not a foreign key: a queued create names a row that does
-- not exist yet, a queued delete one that may be gone.
CREATE TABLE sync_queue (
	id TEXT NOT NULL PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	entity_type TEXT NOT NULL
		CHECK (entity_type IN ('projects', 'properties', 'units', 'zaznamy',
				       'dokumenty')),
	entity_id TEXT NOT NULL,
	operation TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
	payload TEXT CHECK (payload IS NULL OR json_valid(payload)),
	client_updated_at TEXT,
	status TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'failed', 'permanently_failed')),
	retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
	next_retry_at TEXT,
	last_attempt_at TEXT,
	last_error TEXT,
	created_at TEXT NOT NULL,
	CHECK (payload IS NOT NULL OR operation = 'delete')
);

-- updated_at = created_at when an insert leaves it out (see the top).
CREATE TRIGGER projects_updated_at_default AFTER INSERT ON projects
	WHEN NEW.updated_at IS NULL
BEGIN
	UPDATE projects SET updated_at = NEW.created_at WHERE id = NEW.id;
END;

CREATE TRIGGER properties_updated_at_default AFTER INSERT ON properties
	WHEN NEW.updated_at IS NULL
BEGIN
	UPDATE properties SET updated_at = NEW.created_at WHERE id = NEW.id;
END;

CREATE TRIGGER units_updated_at_default AFTER INSERT ON units
	WHEN NEW.updated_at IS NULL
BEGIN
	UPDATE units SET updated_at = NEW.created_at WHERE id = NEW.id;
END;

CREATE TRIGGER zaznamy_updated_at_default AFTER INSERT ON zaznamy
	WHEN NEW.updated_at IS NULL
BEGIN
	UPDATE zaznamy SET updated_at = NEW.created_at WHERE id = NEW.id;
END;

CREATE TRIGGER zaznam_dokumenty_updated_at_default
	AFTER INSERT ON zaznam_dokumenty
	WHEN NEW.updated_at IS NULL
BEGIN
	UPDATE zaznam_dokumenty SET updated_at = NEW.created_at
	WHERE id = NEW.id;
END;

CREATE TRIGGER comments_updated_at_default AFTER INSERT ON comments
	WHEN NEW.updated_at IS NULL
BEGIN
	UPDATE comments SET updated_at = NEW.created_at WHERE id = NEW.id;
END;

-- The indexes of the data model that the jobs depend on.
CREATE INDEX zaznamy_status_created_at ON zaznamy (status, created_at);
CREATE INDEX zaznam_dokumenty_zaznam_id ON zaznam_dokumenty (zaznam_id);
CREATE INDEX invitations_status_expires_at ON invitations (status, expires_at);
CREATE INDEX activities_created_at ON activities (created_at);
CREATE INDEX activities_property_id_created_at
	ON activities (property_id, created_at);
-- Leads with user_id, so it is also the data model's notifications(user_id).
CREATE INDEX notifications_user_id ON notifications (user_id, type);
CREATE INDEX notifications_read_at_created_at
	ON notifications (read_at, created_at);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_revoked_at ON refresh_tokens (revoked_at);
CREATE INDEX sync_queue_status_next_retry_at
	ON sync_queue (status, next_retry_at);

-- Lookups of the jobs (drafts by creator, the first
-- zaznam_created activity of a record, a user's export and sync items).
CREATE INDEX zaznamy_created_by ON zaznamy (created_by);
CREATE INDEX zaznamy_property_id ON zaznamy (property_id);
CREATE INDEX comments_zaznam_id ON comments (zaznam_id);
CREATE INDEX sync_queue_user_id ON sync_queue (user_id);
-- Only record creations: the jobs look up who created a draft, and a
-- partial index keeps activity cleanup from touching a random page of a
-- big index for every row it deletes.
CREATE INDEX activities_record_created ON activities (target_id, created_at)
	WHERE target_type = 'zaznam' AND type = 'zaznam_created';
CREATE INDEX invitations_created_by ON invitations (created_by);
CREATE INDEX invitations_target ON invitations (target_type, target_id);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_created_at ON audit_log (created_at);

-- Foreign key columns not led by another index, so that a purge of the
-- parent does not scan the child table.
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_replaced_by ON refresh_tokens (replaced_by_token_id);
CREATE INDEX projects_owner_id ON projects (owner_id);
CREATE INDEX project_members_user_id ON project_members (user_id);
CREATE INDEX properties_project_id ON properties (project_id);
CREATE INDEX property_members_user_id ON property_members (user_id);
CREATE INDEX units_property_id ON units (property_id);
CREATE INDEX units_parent_unit_id ON units (parent_unit_id);
CREATE INDEX zaznamy_unit_id ON zaznamy (unit_id);
CREATE INDEX zaznam_tags_tag_id ON zaznam_tags (tag_id);
CREATE INDEX comments_author_user_id ON comments (author_user_id);
CREATE INDEX comment_mentions_user ON comment_mentions (mentioned_user_id);
CREATE INDEX activities_actor_user_id ON activities (actor_user_id);
CREATE INDEX contact_groups_owner_user_id ON contact_groups (owner_user_id);
CREATE INDEX contact_group_members_contact_id
	ON contact_group_members (contact_id);
CREATE INDEX app_settings_updated_by ON app_settings (updated_by_user_id);

-- The ten tags of the app; icons are Material Symbols names.
INSERT INTO tags (id, name, icon, sort_order, is_active) VALUES
	(1, 'Oprava', 'build', 1, 1),
	(2, 'Údržba', 'handyman', 2, 1),
	(3, 'Vylepšení', 'auto_awesome', 3, 1),
	(4, 'Nákup', 'shopping_cart', 4, 1),
	(5, 'Revize', 'fact_check', 5, 1),
	(6, 'Havárie', 'warning', 6, 1),
	(7, 'Pojištění', 'shield', 7, 1),
	(8, 'Smlouva', 'description', 8, 1),
	(9, 'Platba', 'payments', 9, 1),
	(10, 'Záruka', 'verified', 10, 1);
