-- A database at schema version 1 (acctbatch 16033ab): two accounts inserted by
-- batch 1 and one renamed by batch 2, with both batches' journal chunks.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE accounts(
  account_id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  full_name TEXT,
  phone TEXT,
  street TEXT,
  city TEXT,
  region TEXT,
  postal_code TEXT,
  country TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','closed')),
  subscriptions TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO accounts VALUES('OLD-1','Old One Renamed','one@old.example',NULL,NULL,NULL,NULL,NULL,NULL,'DE','active',NULL,'2026-11-26T16:44:51Z','2026-11-26T16:44:51Z');
INSERT INTO accounts VALUES('OLD-2','Old Two','two@old.example',NULL,NULL,NULL,NULL,NULL,NULL,'FR','active',NULL,'2026-11-26T16:44:51Z','2026-11-26T16:44:51Z');
CREATE TABLE logins(
  email_norm TEXT PRIMARY KEY NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  email TEXT NOT NULL,
  full_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  activate_licenses INTEGER NOT NULL CHECK (activate_licenses IN (0,1)),
  make_purchases INTEGER NOT NULL CHECK (make_purchases IN (0,1)),
  view_pay_invoices INTEGER NOT NULL CHECK (view_pay_invoices IN (0,1)),
  invoice_created_alerts INTEGER NOT NULL CHECK (invoice_created_alerts IN (0,1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (activate_licenses + make_purchases + view_pay_invoices > 0)
) STRICT, WITHOUT ROWID;
CREATE TABLE contacts(
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  email_norm TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT NOT NULL,
  country TEXT NOT NULL,
  standard_invoices INTEGER NOT NULL CHECK (standard_invoices IN (0,1)),
  summary_invoices INTEGER NOT NULL CHECK (summary_invoices IN (0,1)),
  important_notices INTEGER NOT NULL CHECK (important_notices IN (0,1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (account_id, email_norm)
) STRICT, WITHOUT ROWID;
CREATE TABLE invoices(
  invoice_number TEXT PRIMARY KEY NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  kind TEXT NOT NULL CHECK (kind IN ('standard','summary')),
  issued_on TEXT NOT NULL,
  due_on TEXT NOT NULL CHECK (due_on >= issued_on),
  currency TEXT NOT NULL,
  total INTEGER NOT NULL CHECK (total >= 0),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','paid','void')),
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE batches(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  command TEXT NOT NULL,
  inputs TEXT NOT NULL DEFAULT '[]',
  counts TEXT NOT NULL DEFAULT '{}',
  outcome TEXT NOT NULL DEFAULT 'running',
  reverts INTEGER REFERENCES batches(id),
  journal_from INTEGER,
  journal_to INTEGER
) STRICT;
INSERT INTO batches VALUES(1,'import','2026-11-26T16:44:51Z','2026-11-26T16:44:51Z','acctbatch --db v1.db import accounts.csv','[{"file":"accounts.csv","entity":"accounts","sha256":"77d9eb54bc516383d0403daaa32f24557f81218825dadf0523843a0191fe00ef"}]','{"accounts":{"inserted":2,"updated":0,"unchanged":0,"deleted":0,"rejected":0}}','committed',NULL,1,1);
INSERT INTO batches VALUES(2,'import','2026-11-26T16:44:51Z','2026-11-26T16:44:51Z','acctbatch --db v1.db import acc2.csv','[{"file":"acc2.csv","entity":"accounts","sha256":"633874f173c2ec28121d40fc569d33e80b9d3ef1121de729719f4df2fe078868"}]','{"accounts":{"inserted":0,"updated":1,"unchanged":0,"deleted":0,"rejected":0}}','committed',NULL,2,2);
CREATE TABLE journal_chunks(
  id INTEGER PRIMARY KEY,
  batch_id INTEGER,
  changes TEXT NOT NULL
) STRICT;
INSERT INTO journal_chunks VALUES(1,1,'[["accounts","OLD-1","OLD-1","insert",null,{"account_id":"OLD-1","name":"Old One","email":"one@old.example","full_name":null,"phone":null,"street":null,"city":null,"region":null,"postal_code":null,"country":"DE","status":"active","subscriptions":null,"created_at":"2026-11-26T16:44:51Z","updated_at":"2026-11-26T16:44:51Z"}],["accounts","OLD-2","OLD-2","insert",null,{"account_id":"OLD-2","name":"Old Two","email":"two@old.example","full_name":null,"phone":null,"street":null,"city":null,"region":null,"postal_code":null,"country":"FR","status":"active","subscriptions":null,"created_at":"2026-11-26T16:44:51Z","updated_at":"2026-11-26T16:44:51Z"}]]');
INSERT INTO journal_chunks VALUES(2,2,'[["accounts","OLD-1","OLD-1","update",{"account_id":"OLD-1","name":"Old One","email":"one@old.example","full_name":null,"phone":null,"street":null,"city":null,"region":null,"postal_code":null,"country":"DE","status":"active","subscriptions":null,"created_at":"2026-11-26T16:44:51Z","updated_at":"2026-11-26T16:44:51Z"},{"account_id":"OLD-1","name":"Old One Renamed","email":"one@old.example","full_name":null,"phone":null,"street":null,"city":null,"region":null,"postal_code":null,"country":"DE","status":"active","subscriptions":null,"created_at":"2026-11-26T16:44:51Z","updated_at":"2026-11-26T16:44:51Z"}]]');
CREATE INDEX logins_account ON logins(account_id);
CREATE INDEX invoices_account ON invoices(account_id);
CREATE INDEX invoices_issued ON invoices(issued_on);
CREATE VIEW journal(id, batch_id, entity, key, account_id, op, before, after) AS
  SELECT c.id * 1000 + j.key, c.batch_id, j.value ->> 0, j.value ->> 1,
         j.value ->> 2, j.value ->> 3,
         CASE WHEN json_type(j.value, '$[4]') = 'null' THEN NULL ELSE j.value -> 4 END,
         CASE WHEN json_type(j.value, '$[5]') = 'null' THEN NULL ELSE j.value -> 5 END
  FROM journal_chunks AS c, json_each(c.changes) AS j;
COMMIT;
PRAGMA user_version = 1;
