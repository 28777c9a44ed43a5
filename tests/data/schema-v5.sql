-- A database at schema version 5, made by tests/data/schema-v5.sh with
-- acctbatch at c5bd946:
-- six batches (inserts of all four entities, updates, a sync, a cascade
-- delete, a revert) and their journal.
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
, inserted_by INTEGER) STRICT, WITHOUT ROWID;
INSERT INTO accounts VALUES('NL-0001','Fjordbygg AS','oyvind.soreide@fjordbygg.example','Øyvind Søreide','+47 22 41 18 90','Storgata 12','Oslo',NULL,'0155','NO','active','newsletter product_updates','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0002','Smith, Jones & Partners Ltd','m.smith@smithjones.example','Margaret Smith','+44 20 7946 0321','14 Gresham Street','London','Greater London','EC2V 7JE','GB','active','security_advisories','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0003','The "Blue" Agency','siobhan.obrien@blueagency.example','Siobhán O''Brien','+353 1 555 0142','Unit 4, Grand Canal Quay','Dublin',NULL,'D02 VN88','IE','active','newsletter','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0004','D''Angelo & Figli S.r.l.','marco@dangelo-figli.example','Marco D''Angelo','+39 081 555 2270','Via Toledo 156','Napoli','NA','80134','IT','suspended',NULL,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0005','Wydawnictwo Wiśniewska','m.wisniewska@wydawnictwo-wisniewska.example','Małgorzata Wiśniewska','+48 12 555 73 10','ul. Floriańska 27/4','Kraków','małopolskie','31-019','PL','active','newsletter product_updates security_advisories','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0006','Yılmaz Mimarlık Ltd. Şti.','sule.yilmaz@yilmazmimarlik.example','Şule Yılmaz','+90 212 555 48 21','Büyükdere Cad. No: 185','İstanbul','Şişli','34394','TR','active','product_updates','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0007','Talleres Martínez e Hijos, S.L.','jose.martinez@talleresmartinez.example','José Martínez Ruiz','+34 954 55 01 23','Calle Feria 44','Sevilla','Andalucía','41003','ES','active',NULL,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO accounts VALUES('NL-0008','Công ty TNHH Phần mềm Nguyễn Phát','an.nguyen@nguyenphat.example','Nguyễn Văn An','+84 28 5555 1234','72 Lê Thánh Tôn, Phường Bến Nghé','Thành phố Hồ Chí Minh',NULL,'700000','VN','active','security_advisories','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
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
, inserted_by INTEGER) STRICT, WITHOUT ROWID;
INSERT INTO invoices VALUES('INV-2026/0001','NL-0003','standard','2026-09-01','2026-10-01','EUR',30000,'open','Data migration from legacy licence server, flat fee','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0002','NL-0008','standard','2026-09-02','2026-09-16','USD',135000,'paid','Polaris Server Standard, 1 instance, 12 months','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0004','NL-0008','standard','2026-09-03','2026-10-03','USD',10692,'open',NULL,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0006','NL-0006','standard','2026-09-07','2026-10-07','EUR',56700,'paid','Polaris Desktop Pro, 3 seats, annual subscription','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0017','NL-0001','standard','2026-09-27','2026-10-27','NOK',657700,'open','Polaris Desktop Pro, 3 seats, annual subscription','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0020','NL-0006','standard','2026-09-30','2026-10-14','EUR',49900,'void','İptal edildi / cancelled at customer request','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0022','NL-0008','standard','2026-10-02','2026-10-16','USD',135000,'open','Gia hạn giấy phép Polaris Server Standard, 12 tháng','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0028','NL-0002','standard','2026-10-07','2026-10-21','GBP',35100,'paid','Upgrade "Standard" to "Professional", 5 seats, pro rata to 2027-03-31','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0029','NL-0004','standard','2026-10-07','2026-10-21','EUR',620000,'open',replace('Polaris Server Enterprise, 2 instances\nINV-2026/0030,NL-0001,standard,2026-10-08,2026-10-22,NOK,48233.00,open,"Polaris Desktop Pro, 25 seats, 3-year term, billed yearly (year 1 of 3)','\n',char(10)),'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0031','NL-0005','standard','2026-10-10','2026-11-09','PLN',154800,'open',NULL,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0032','NL-0005','standard','2026-10-11','2026-10-25','PLN',266600,'open','Renewal of support contract, ref. SC-88412, no price change','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0035','NL-0002','standard','2026-10-15','2026-11-14','GBP',42400,'paid','Additional seats (4), co-termed with existing subscription','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0038','NL-0004','standard','2026-10-17','2026-10-31','EUR',4900,'open','Licence transfer fee, Nordlicht Software Reseller <ticket 22659>','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0044','NL-0006','standard','2026-10-20','2026-11-19','EUR',96000,'open','Training workshop "Polaris for Admins", remote, 2 participants','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0047','NL-0001','standard','2026-10-26','2026-11-25','NOK',1753900,'open','Årslisens Polaris Desktop Pro, 8 plasser','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0059','NL-0002','standard','2026-11-04','2026-11-18','GBP',160600,'open','Polaris Desktop Pro, 10 seats, annual renewal','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0062','NL-0002','standard','2026-11-09','2026-12-09','GBP',66300,'open','Priority support add-on, 24/7, 12 months','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0065','NL-0005','standard','2026-11-11','2026-12-11','PLN',154800,'open',NULL,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0066','NL-0007','standard','2026-11-13','2026-11-27','EUR',189000,'open','Polaris Desktop Pro, 10 seats, annual renewal','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0072','NL-0003','standard','2026-11-18','2026-12-02','EUR',189000,'open','Polaris Desktop Pro, 10 seats, annual renewal','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('INV-2026/0076','NL-0003','standard','2026-11-23','2026-12-23','EUR',4900,'open','Licence transfer fee, Nordlicht Software Reseller <ticket 22710>','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('SUM-2026-09/0008','NL-0008','summary','2026-09-30','2026-10-30','USD',145692,'open',replace('Monthly summary, September 2026\nINV-2026/0021,NL-0007,standard,2026-10-01,2026-10-31,EUR,378.00,open,"Licencia anual Polaris Desktop Pro, 2 puestos','\n',char(10)),'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO invoices VALUES('SUM-2026-10/0002','NL-0002','summary','2026-10-31','2026-11-30','GBP',77500,'paid',replace('Monthly summary, October 2026\nSUM-2026-10/0005,NL-0005,summary,2026-10-31,2026-11-30,PLN,4214.00,open,"Monthly summary, October 2026\nSUM-2026-10/0008,NL-0008,summary,2026-10-31,2026-11-30,USD,1350.00,open,"Monthly summary, October 2026\nINV-2026/0057,NL-0005,standard,2026-11-03,2026-12-03,PLN,4064.00,open,"Licencja roczna Polaris Desktop Pro, 5 stanowisk','\n',char(10)),'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
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
INSERT INTO batches VALUES(1,'import','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z','acctbatch --no-progress --quiet --db v5.db import accounts.csv logins.csv contacts.csv invoices.csv','[{"file":"accounts.csv","entity":"accounts","sha256":"1d49ca085313dc67b51cf4c87858ea89ac005404a720bf8ef6e2a9e244383819"},{"file":"logins.csv","entity":"logins","sha256":"37d1514e6440115f9abc5bf1500cfbc3426d410b6cdab66684bc25c4010b7687"},{"file":"contacts.csv","entity":"contacts","sha256":"2c0c7748b3b3cc4b7b6fe2f62169b7e25b4c5e3e825f56bfb028b967a2bbb1e0"},{"file":"invoices.csv","entity":"invoices","sha256":"da342d5981f43fe13bce56de5e831aae5fc906aa5beb3e3cf54356968b345f1d"}]','{"accounts":{"inserted":9,"updated":0,"unchanged":0,"deleted":0,"rejected":0},"logins":{"inserted":22,"updated":0,"unchanged":0,"deleted":0,"rejected":0},"contacts":{"inserted":19,"updated":0,"unchanged":0,"deleted":0,"rejected":0},"invoices":{"inserted":23,"updated":0,"unchanged":0,"deleted":0,"rejected":0}}','committed',NULL,NULL,NULL);
INSERT INTO batches VALUES(2,'import','2026-01-02T00:00:00Z','2026-01-02T00:00:00Z','acctbatch --no-progress --quiet --db v5.db import --mode update --entity accounts rename.csv','[{"file":"rename.csv","entity":"accounts","sha256":"6b86d8e6459b00f01679fa8f8f5db5f8d16224f90cb29a5a9d3de061ad61ede7"}]','{"accounts":{"inserted":0,"updated":2,"unchanged":0,"deleted":0,"rejected":0}}','committed',NULL,1,1);
INSERT INTO batches VALUES(3,'import','2026-01-02T12:00:00Z','2026-01-02T12:00:00Z','acctbatch --no-progress --quiet --db v5.db import --mode update --entity contacts c2.csv','[{"file":"c2.csv","entity":"contacts","sha256":"b48024abb6a372ba40403a9de1bf129b9eb388d1dd78217dc856097a4b2139a9"}]','{"contacts":{"inserted":0,"updated":1,"unchanged":0,"deleted":0,"rejected":0}}','committed',NULL,2,2);
INSERT INTO batches VALUES(4,'import','2026-01-03T00:00:00Z','2026-01-03T00:00:00Z','acctbatch --no-progress --quiet --db v5.db import --mode sync --entity contacts sync.csv','[{"file":"sync.csv","entity":"contacts","sha256":"87bccf6748820fd053c4589083669fa59766de7ed1e88aad3790619774c6815d"}]','{"contacts":{"inserted":0,"updated":0,"unchanged":1,"deleted":1,"rejected":0}}','committed',NULL,3,3);
INSERT INTO batches VALUES(5,'import','2026-01-04T00:00:00Z','2026-01-04T00:00:00Z','acctbatch --no-progress --quiet --db v5.db import --mode delete --cascade --entity accounts del.csv','[{"file":"del.csv","entity":"accounts","sha256":"338f53e7b336fa7021c8efef7d90c69d534f48a85fedf95024c4adb2eab16e96"}]','{"accounts":{"inserted":0,"updated":0,"unchanged":0,"deleted":1,"rejected":0},"logins":{"inserted":0,"updated":0,"unchanged":0,"deleted":1,"rejected":0},"contacts":{"inserted":0,"updated":0,"unchanged":0,"deleted":2,"rejected":0}}','committed',NULL,4,4);
INSERT INTO batches VALUES(6,'revert','2026-01-05T00:00:00Z','2026-01-05T00:00:00Z','acctbatch --no-progress --quiet --db v5.db revert 2','[]','{"accounts":{"inserted":0,"updated":2,"unchanged":0,"deleted":0,"rejected":0}}','committed',2,5,5);
CREATE TABLE journal_chunks(
  id INTEGER PRIMARY KEY,
  batch_id INTEGER,
  changes TEXT NOT NULL
) STRICT;
INSERT INTO journal_chunks VALUES(1,2,'[["accounts","NL-0001","NL-0001","update",{"account_id":"NL-0001","name":"Fjordbygg AS","email":"oyvind.soreide@fjordbygg.example","full_name":"Øyvind Søreide","phone":"+47 22 41 18 90","street":"Storgata 12","city":"Oslo","region":null,"postal_code":"0155","country":"NO","status":"active","subscriptions":"newsletter product_updates","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},{"account_id":"NL-0001","name":"Renamed One","email":"oyvind.soreide@fjordbygg.example","full_name":"Øyvind Søreide","phone":"+47 22 41 18 90","street":"Storgata 12","city":"Utrecht","region":null,"postal_code":"0155","country":"NO","status":"active","subscriptions":"newsletter product_updates","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","inserted_by":1}],["accounts","NL-0002","NL-0002","update",{"account_id":"NL-0002","name":"Smith, Jones & Partners Ltd","email":"m.smith@smithjones.example","full_name":"Margaret Smith","phone":"+44 20 7946 0321","street":"14 Gresham Street","city":"London","region":"Greater London","postal_code":"EC2V 7JE","country":"GB","status":"active","subscriptions":"security_advisories","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},{"account_id":"NL-0002","name":"Renamed Two","email":"m.smith@smithjones.example","full_name":"Margaret Smith","phone":"+44 20 7946 0321","street":"14 Gresham Street","city":null,"region":"Greater London","postal_code":"EC2V 7JE","country":"GB","status":"active","subscriptions":"security_advisories","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","inserted_by":1}]]');
INSERT INTO journal_chunks VALUES(2,3,'[["contacts","[\"NL-0001\",\"oyvind.soreide@fjordbygg.example\"]","NL-0001","update",{"account_id":"NL-0001","first_name":"Øyvind","last_name":"Søreide","email":"oyvind.soreide@fjordbygg.example","country":"NO","standard_invoices":1,"summary_invoices":0,"important_notices":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},{"account_id":"NL-0001","first_name":"Changed","last_name":"Søreide","email":"oyvind.soreide@fjordbygg.example","country":"NO","standard_invoices":1,"summary_invoices":0,"important_notices":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T12:00:00Z","inserted_by":1}]]');
INSERT INTO journal_chunks VALUES(3,4,'[["contacts","[\"NL-0003\",\"aoife.darcy@blueagency.example\"]","NL-0003","delete",{"account_id":"NL-0003","first_name":"Aoife","last_name":"D''Arcy","email":"aoife.darcy@blueagency.example","country":"IE","standard_invoices":1,"summary_invoices":1,"important_notices":0,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},null]]');
INSERT INTO journal_chunks VALUES(4,5,'[["logins","els.desmet@brouwerij-desmet.example","NL-0028","delete",{"account_id":"NL-0028","email":"els.desmet@brouwerij-desmet.example","full_name":"Els De Smet","password_hash":"$argon2id$v=19$m=8,t=1,p=1$XQCRCWY5YGmIo8jey7AOcw$vu69T6q7oobl0pyvS0oPifpp3FCSX67RbXtTw0zdGwo","activate_licenses":1,"make_purchases":1,"view_pay_invoices":1,"invoice_created_alerts":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},null],["contacts","[\"NL-0028\",\"els.desmet@brouwerij-desmet.example\"]","NL-0028","delete",{"account_id":"NL-0028","first_name":"Els","last_name":"De Smet","email":"els.desmet@brouwerij-desmet.example","country":"BE","standard_invoices":0,"summary_invoices":0,"important_notices":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},null],["contacts","[\"NL-0028\",\"wouter@brouwerij-desmet.example\"]","NL-0028","delete",{"account_id":"NL-0028","first_name":"Wouter","last_name":"Van Damme","email":"wouter@brouwerij-desmet.example","country":"BE","standard_invoices":1,"summary_invoices":0,"important_notices":0,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},null],["accounts","NL-0028","NL-0028","delete",{"account_id":"NL-0028","name":"Brouwerij De Smet BV","email":"els.desmet@brouwerij-desmet.example","full_name":"Els De Smet","phone":"+32 9 555 12 34","street":"Korenmarkt 7","city":"Gent","region":"Oost-Vlaanderen","postal_code":"9000","country":"BE","status":"active","subscriptions":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1},null]]');
INSERT INTO journal_chunks VALUES(5,6,'[["accounts","NL-0002","NL-0002","update",{"account_id":"NL-0002","name":"Renamed Two","email":"m.smith@smithjones.example","full_name":"Margaret Smith","phone":"+44 20 7946 0321","street":"14 Gresham Street","city":null,"region":"Greater London","postal_code":"EC2V 7JE","country":"GB","status":"active","subscriptions":"security_advisories","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","inserted_by":1},{"account_id":"NL-0002","name":"Smith, Jones & Partners Ltd","email":"m.smith@smithjones.example","full_name":"Margaret Smith","phone":"+44 20 7946 0321","street":"14 Gresham Street","city":"London","region":"Greater London","postal_code":"EC2V 7JE","country":"GB","status":"active","subscriptions":"security_advisories","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1}],["accounts","NL-0001","NL-0001","update",{"account_id":"NL-0001","name":"Renamed One","email":"oyvind.soreide@fjordbygg.example","full_name":"Øyvind Søreide","phone":"+47 22 41 18 90","street":"Storgata 12","city":"Utrecht","region":null,"postal_code":"0155","country":"NO","status":"active","subscriptions":"newsletter product_updates","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","inserted_by":1},{"account_id":"NL-0001","name":"Fjordbygg AS","email":"oyvind.soreide@fjordbygg.example","full_name":"Øyvind Søreide","phone":"+47 22 41 18 90","street":"Storgata 12","city":"Oslo","region":null,"postal_code":"0155","country":"NO","status":"active","subscriptions":"newsletter product_updates","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","inserted_by":1}]]');
CREATE TABLE export_jobs(
  name TEXT NOT NULL,
  entity TEXT NOT NULL,
  changes INTEGER NOT NULL CHECK (changes IN (0,1)),
  last_batch INTEGER NOT NULL,
  exported_at TEXT NOT NULL,
  PRIMARY KEY (name, entity, changes)
) STRICT;
CREATE TABLE list_builds(
  batch_id INTEGER PRIMARY KEY REFERENCES batches(id),
  archive TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  as_of TEXT NOT NULL,
  data_batch INTEGER NOT NULL,
  kinds TEXT NOT NULL,
  params TEXT NOT NULL,
  counts TEXT NOT NULL
) STRICT;
CREATE TABLE logins(
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  email TEXT NOT NULL COLLATE NOCASE,
  full_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  activate_licenses INTEGER NOT NULL CHECK (activate_licenses IN (0,1)),
  make_purchases INTEGER NOT NULL CHECK (make_purchases IN (0,1)),
  view_pay_invoices INTEGER NOT NULL CHECK (view_pay_invoices IN (0,1)),
  invoice_created_alerts INTEGER NOT NULL CHECK (invoice_created_alerts IN (0,1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  inserted_by INTEGER,
  PRIMARY KEY (email),
  CHECK (activate_licenses + make_purchases + view_pay_invoices > 0)
) STRICT, WITHOUT ROWID;
INSERT INTO logins VALUES('NL-0002','accounts@smithjones.example','Accounts Payable (SJP)','$argon2id$v=19$m=8,t=1,p=1$Dm0mzs4E7yPn7GW3wHn+rA$YczHuvHwSDH1YDxOV7WYcc1acBcIC+sCb0DMUSgKoxY',0,0,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0008','an.nguyen@nguyenphat.example','Nguyễn Văn An','$argon2id$v=19$m=8,t=1,p=1$MI9/6pd6OO/bU2J4GvPnNg$lcgLUpJpOl9CaVwlvgs3Rgmuxgs4Js0RDlNJqBi4Y+s',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0006','emre.celik@yilmazmimarlik.example','Emre Çelik','$argon2id$v=19$m=8,t=1,p=1$mjHKkcBRGJX9yo/vsh+czA$ha/Og80pYWiv9yd+giRYOeaQ2Rk+w6WYoIe9An6ET/U',1,1,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0004','giulia.dangelo@dangelo-figli.example','Giulia D''Angelo','$argon2id$v=19$m=8,t=1,p=1$D3VVK5lR/nrkU9Y1wqPmgA$63F63p1bVxchYvWMWCDcq5E8WWwYgwuqxjHKzM3dJlI',0,0,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0001','ingrid.haugen@fjordbygg.example','Ingrid Haugen','$argon2id$v=19$m=8,t=1,p=1$GjqGYbB1SSYgkUnSJ0cUpQ$8Ln58eq5+apB04VC6RikN+XLtzBXOOZq6um30VRo41k',0,0,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0007','jose.martinez@talleresmartinez.example','José Martínez Ruiz','$argon2id$v=19$m=65536,t=2,p=1$Nm55c2JDakN3QlpXSk9Ccg$B+BZcIWk137+8mHqfLoK21A331V10hS35MNmLwg7j+I',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0005','k.nowak@wydawnictwo-wisniewska.example','Krzysztof Nowak','$argon2id$v=19$m=8,t=1,p=1$wWHIJxT7uAv2pi+9jxwi0Q$0p23k6dQ/RGknQTI+9+HWxgoBDh7Bit3js3kI/WSLGo',1,0,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0005','ksiegowosc@wydawnictwo-wisniewska.example','Anna Zając','$argon2id$v=19$m=8,t=1,p=1$wkv7gwcImfm8XLniXsj16w$gZFG5/+WoegZ1MTMUWYxCibIFSnO7EUrqEUEWtWOrno',0,0,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0003','liam@blueagency.example','Liam Ó Briain','$argon2id$v=19$m=8,t=1,p=1$T0IylIiYA2wV1wCp3r8Oww$LrlvxKx4okhn1r6OUjeb4Vk0zVCrGtra4gwR8zPzL0U',1,0,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0002','m.smith@smithjones.example','Margaret Smith','$argon2id$v=19$m=8,t=1,p=1$u9g65SN4KAuEb6bdSP0xAQ$6hvTvs3m6xNjFOk8EN6II044CV32pAIlWOkS2ALBPqI',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0005','m.wisniewska@wydawnictwo-wisniewska.example','Małgorzata Wiśniewska','$argon2id$v=19$m=8,t=1,p=1$83cU07x2vbT7J0ovDZejVg$WOJL4mzab4Ji5Ww1D78mnSkBiA5tnU9DuJnjE2iz0Bo',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0004','marco@dangelo-figli.example','Marco D''Angelo','$argon2id$v=19$m=65536,t=2,p=1$Tlh2ek1XS1lDQmYxQlRIYQ$z29zn5ey4iy7WL6wsvUDECgqNeZodx0jYhGwWoVaeJI',1,1,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0007','maria.jose@talleresmartinez.example','María José Fernández','$argon2id$v=19$m=8,t=1,p=1$smHvBjWtKzaqd45rnuQa3w$34IWGPeXA6S1zeNqnt46OHPyFK5JR8xrH9QdLotUaDo',0,0,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0008','minh.le@nguyenphat.example','Lê Quang Minh','$argon2id$v=19$m=8,t=1,p=1$3CHaAPsXTTFaXiRhU/hDDg$NDVjO9SVpSdsvXat9eL69XlOH4e8DeIJHncxk+7nu14',1,0,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0001','oyvind.soreide@fjordbygg.example','Øyvind Søreide','$argon2id$v=19$m=8,t=1,p=1$SFKROgnsk63vIbJZX4olfA$cTMv5XUriteHmrVP2Z1C6ttDcJ2RCWowhKxegWY6+mY',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0002','r.jones@smithjones.example','Rhys Jones','$argon2id$v=19$m=8,t=1,p=1$Gp8VzlbXrtMDL22vXEnB/Q$0Jwa0WytzYbPAWE3zulndiED5NKVJpM7Baf7w+hMczc',1,1,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0001','regnskap@fjordbygg.example','Fjordbygg Regnskap','$argon2id$v=19$m=65536,t=2,p=1$cElZaUlQOUsyenpTeHhuRg$mN3Wjx9vEtdFZ35EUgy3z6nND7/PX1jfNgG50KAYFL4',0,0,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0003','siobhan.obrien@blueagency.example','Siobhán O''Brien','$argon2id$v=19$m=8,t=1,p=1$hoH6HGLvVt877cBYRXrPXw$0WIDg5yoFfp7lM4c/8Z+/V20/Ub6XD9iqSG8ZyYx7rY',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0006','sule.yilmaz@yilmazmimarlik.example','Şule Yılmaz','$argon2id$v=19$m=8,t=1,p=1$gMgG7cKvis/S8AIN59zKDg$j3iXwNBLQ4bu0et8EDP0UhosYkug1QaAjsTqIV9k4dA',1,1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0007','taller@talleresmartinez.example','Pablo Ortega','$argon2id$v=19$m=8,t=1,p=1$tq+jGJ2c05Bg0vK/qqoZaQ$ImOZRSQmn771r1WKcMH8oTX0uITtjv6+Jr/x7JMvPUI',1,0,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO logins VALUES('NL-0008','thu.tran@nguyenphat.example','Trần Thị Thu','$argon2id$v=19$m=8,t=1,p=1$6QmXm820ZcaeLfYYdzWEUQ$5jA4qmh4bUZxd7MLcBYAEiVCTETeD7S7klTEYUMTtbs',0,0,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
CREATE TABLE contacts(
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT NOT NULL COLLATE NOCASE,
  country TEXT NOT NULL,
  standard_invoices INTEGER NOT NULL CHECK (standard_invoices IN (0,1)),
  summary_invoices INTEGER NOT NULL CHECK (summary_invoices IN (0,1)),
  important_notices INTEGER NOT NULL CHECK (important_notices IN (0,1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  inserted_by INTEGER,
  PRIMARY KEY (account_id, email)
) STRICT, WITHOUT ROWID;
INSERT INTO contacts VALUES('NL-0001','Kirsten','Holm','kirsten.holm@holm-revision.example','DK',1,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0001','Changed','Søreide','oyvind.soreide@fjordbygg.example','NO',1,0,1,'2026-01-01T00:00:00Z','2026-01-02T12:00:00Z',1);
INSERT INTO contacts VALUES('NL-0002','Priya','Shah','accounts@smithjones.example','GB',1,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0002','Margaret','Smith','m.smith@smithjones.example','GB',0,0,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0003','Siobhán','O''Brien','siobhan.obrien@blueagency.example','IE',1,0,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0004','Giulia','D''Angelo','giulia.dangelo@dangelo-figli.example','IT',1,0,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0005','Anna','Zając','ksiegowosc@wydawnictwo-wisniewska.example','PL',1,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0005','Małgorzata','Wiśniewska','m.wisniewska@wydawnictwo-wisniewska.example','PL',0,0,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0005','Piotr','Lewandowski','p.lewandowski@biuro-rachunkowe-lewandowski.example','PL',1,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0006','Ayşe','Öztürk','ayse.ozturk@yilmazmimarlik.example','TR',1,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0006','Şule','Yılmaz','sule.yilmaz@yilmazmimarlik.example','TR',1,0,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0007','José','Martínez Ruiz','jose.martinez@talleresmartinez.example','ES',0,0,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0007','María José','Fernández','maria.jose@talleresmartinez.example','ES',1,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0008','Văn An','Nguyễn','an.nguyen@nguyenphat.example','VN',1,1,1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0008','Thị Mai','Hoàng','mai.hoang@nguyenphat.example','VN',0,1,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
INSERT INTO contacts VALUES('NL-0008','Thị Thu','Trần','thu.tran@nguyenphat.example','VN',1,0,0,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z',1);
CREATE INDEX invoices_account ON invoices(account_id);
CREATE INDEX invoices_issued ON invoices(issued_on);
CREATE VIEW journal_logged(id, batch_id, entity, key, account_id, op, before, after) AS
  SELECT c.id * 1000 + j.key, c.batch_id, j.value ->> 0, j.value ->> 1,
         j.value ->> 2, j.value ->> 3,
         CASE WHEN json_type(j.value, '$[4]') = 'null' THEN NULL ELSE j.value -> 4 END,
         CASE WHEN json_type(j.value, '$[5]') = 'null' THEN NULL ELSE j.value -> 5 END
  FROM journal_chunks AS c, json_each(c.changes) AS j;
CREATE INDEX list_builds_sha256 ON list_builds(sha256);
CREATE INDEX logins_account ON logins(account_id);
CREATE VIEW journal(id, batch_id, entity, key, account_id, op, before, after) AS
  SELECT id, batch_id, entity, key, account_id, op, before, after FROM journal_logged
  UNION ALL
  SELECT NULL, inserted_by, entity, key, account_id, 'insert', NULL, image FROM (
    SELECT *, row_number() OVER (PARTITION BY entity, key, inserted_by
                                 ORDER BY pos NULLS LAST) AS nth FROM (
      SELECT entity, key, account_id, before ->> 'inserted_by' AS inserted_by,
             before AS image, id AS pos
      FROM journal_logged WHERE before ->> 'inserted_by' IS NOT NULL
      UNION ALL
      SELECT 'accounts', account_id, account_id, inserted_by, json_object(
        'account_id', account_id, 'name', name, 'email', email,
        'full_name', full_name, 'phone', phone, 'street', street,
        'city', city, 'region', region, 'postal_code', postal_code,
        'country', country, 'status', status, 'subscriptions', subscriptions,
        'created_at', created_at, 'updated_at', updated_at, 'inserted_by', inserted_by
      ), NULL FROM accounts WHERE inserted_by IS NOT NULL
      UNION ALL
      SELECT 'logins', lower(email), account_id, inserted_by, json_object(
        'account_id', account_id, 'email', email, 'full_name', full_name,
        'password_hash', password_hash, 'activate_licenses', activate_licenses,
        'make_purchases', make_purchases, 'view_pay_invoices', view_pay_invoices,
        'invoice_created_alerts', invoice_created_alerts, 'created_at', created_at,
        'updated_at', updated_at, 'inserted_by', inserted_by
      ), NULL FROM logins WHERE inserted_by IS NOT NULL
      UNION ALL
      SELECT 'contacts', json_array(account_id, lower(email)), account_id, inserted_by,
             json_object(
        'account_id', account_id, 'first_name', first_name, 'last_name', last_name,
        'email', email, 'country', country, 'standard_invoices', standard_invoices,
        'summary_invoices', summary_invoices, 'important_notices', important_notices,
        'created_at', created_at, 'updated_at', updated_at, 'inserted_by', inserted_by
      ), NULL FROM contacts WHERE inserted_by IS NOT NULL
      UNION ALL
      SELECT 'invoices', invoice_number, account_id, inserted_by, json_object(
        'invoice_number', invoice_number, 'account_id', account_id, 'kind', kind,
        'issued_on', issued_on, 'due_on', due_on, 'currency', currency,
        'total', total, 'status', status, 'description', description,
        'created_at', created_at, 'updated_at', updated_at, 'inserted_by', inserted_by
      ), NULL FROM invoices WHERE inserted_by IS NOT NULL
    )
  ) WHERE nth = 1;
COMMIT;
PRAGMA user_version = 5;
