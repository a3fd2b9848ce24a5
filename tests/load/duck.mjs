// duck.mjs - runs SQL files on a SQLite database in DuckDB, for
// tests/t_load.sh: the README's example queries must run unchanged there.
//
//   RS_DUCKDB_DIR=DIR node duck.mjs DB.sqlite CSVDIR QUERY.sql...
//
// DIR is the npm --prefix holding @duckdb/node-api. The database is read
// through DuckDB's sqlite reader when that extension can be installed; a
// machine that cannot download it gets the same tables made in DuckDB
// from CSVDIR (schema.sql, the sqlite3 .schema, and TABLE.csv each, as
// sqlite3 -header -csv writes them). Each QUERY.sql's rows go to
// QUERY.duck, '|'-separated (NULL empty) as sqlite3 and psql -A print
// them; stdout says which way the database was read.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(join(process.env.RS_DUCKDB_DIR, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');
const [db, csvdir, ...queries] = process.argv.slice(2);
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
let how;
try {
	await con.run('INSTALL sqlite; LOAD sqlite;');
	await con.run(`ATTACH ${lit(db)} AS rs (TYPE sqlite, READ_ONLY); USE rs;`);
	how = 'its sqlite reader';
} catch (e) {
	await con.run(readFileSync(join(csvdir, 'schema.sql'), 'utf8'));
	for (const f of readdirSync(csvdir).filter((f) => f.endsWith('.csv')))
		await con.run(`COPY ${f.slice(0, -4)} FROM ${lit(join(csvdir, f))} (HEADER)`);
	how = 'sqlite reader unavailable offline: the same tables copied in';
}
for (const q of queries) {
	const reader = await con.runAndReadAll(readFileSync(q, 'utf8'));
	const lines = reader.getRows().map((row) =>
		row.map((v) => (v === null ? '' : String(v))).join('|'));
	writeFileSync(q.replace(/\.sql$/, '.duck'), lines.map((l) => l + '\n').join(''));
}
console.log(how);
