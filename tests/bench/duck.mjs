// duck.mjs - DuckDB side of make bench (npm @duckdb/node-api, 2 threads).
//
//   node duck.mjs query EXPORT.csv      the reference query on the raw export
//   node duck.mjs keys RECORDS.csv.gz   distinct validate keys (untimed helper)
//
// BENCH_DUCKDB_DIR names the directory npm installed @duckdb/node-api into
// (npm install --prefix DIR). Prints one JSON object on stdout.
//
// The reference query is the lead's, with two changes the generated export
// needs (it plants defect rows on purpose):
//  - read_csv(..., all_varchar=true, ignore_errors=true): the sniffer cannot
//    settle on a dialect when malformed rows (wrong field count) are in its
//    sample, and all_varchar keeps 行政区划代码 text for substr(); rows with
//    the wrong number of fields are skipped, as rs-ingest rejects them;
//  - TRY_CAST for 保障人数 and the amount: a defect value becomes NULL
//    instead of failing the query.
// Neither changes what is timed in substance: one pass over the whole file,
// parse, group, count distinct, sum.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.env.BENCH_DUCKDB_DIR;
if (!dir) {
	console.error('duck.mjs: set BENCH_DUCKDB_DIR to the npm --prefix directory');
	process.exit(2);
}
const require = createRequire(join(dir, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [mode, file] = process.argv.slice(2);
if (!file || !['query', 'keys'].includes(mode)) {
	console.error('usage: node duck.mjs query EXPORT.csv | keys RECORDS.csv.gz');
	process.exit(2);
}
const lit = "'" + file.replaceAll("'", "''") + "'";

export const REFERENCE_QUERY = `SELECT substr("行政区划代码",1,6) AS county, "救助类别", "城乡属性",
  substr("发放年月",1,4) AS year, sum(TRY_CAST("保障人数" AS BIGINT)), count(*),
  count(DISTINCT "身份证号码"), sum(TRY_CAST("发放金额（元）" AS DECIMAL(18,2)))
FROM read_csv(${lit}, header=true, all_varchar=true, ignore_errors=true) GROUP BY ALL`;

const KEYS_QUERY = `SELECT
  (SELECT count(*) FROM (SELECT DISTINCT beneficiary, program, period FROM r)) AS dup_keys,
  (SELECT count(*) FROM (SELECT DISTINCT beneficiary, period FROM r)) AS month_keys,
  (SELECT count(*) FROM r) AS rows`;

const t0 = performance.now();
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
const t1 = performance.now();
let out;
if (mode === 'query') {
	const res = await con.runAndReadAll(REFERENCE_QUERY);
	const rows = res.getRows();
	const t2 = performance.now();
	let counted = 0n;
	for (const r of rows)
		counted += BigInt(r[5]);
	out = {
		query_s: (t2 - t1) / 1000,
		open_s: (t1 - t0) / 1000,
		groups: rows.length,
		rows_counted: Number(counted),
		threads: 2,
		read_csv: 'all_varchar=true, ignore_errors=true; TRY_CAST for persons and amount',
	};
} else {
	await con.run(`CREATE TEMP VIEW r AS SELECT * FROM read_csv(${lit}, header=true, all_varchar=true)`);
	const res = await con.runAndReadAll(KEYS_QUERY);
	const [dup, month, rows] = res.getRows()[0].map(Number);
	out = { dup_keys: dup, month_keys: month, rows, query_s: (performance.now() - t1) / 1000 };
}
console.log(JSON.stringify(out));
