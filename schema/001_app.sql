-- placeholder, replaced by the app tables
CREATE TABLE IF NOT EXISTS placeholder (id INTEGER);
