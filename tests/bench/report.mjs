// report.mjs - figures, ratios and targets of make bench (see run.sh).
//
//   node report.mjs size DIR ROWS RUNS SEED DUCKDB_VERSION > bench-ROWS.json
//       reads one size's raw measurements (DIR/runs/*.json from rtime, the
//       DuckDB and floor outputs, the stages' summaries and file sizes) and
//       prints its figures as JSON;
//   node report.mjs summary BENCH_SECONDS bench-N.json...
//       prints the table and the targets, writes out/bench/summary.json.
//
// Every figure is the median of the runs; a ratio is the ratio of the
// medians of its two commands, which run.sh ran in alternation (the
// per-pair ratios are kept too). MB are 10^6 bytes, MiB 2^20.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const STAGES = ['ingest', 'validate', 'aggregate', 'report'];
const MiB = 1024 * 1024;
const TARGETS = {
	e2e_vs_duckdb: 2.0,
	e2e_vs_duckdb_cpu: 2.5,
	rerun_s: 0.2,
	runner_overhead: 0.03,
	stage_vs_floor: 1.3,
	per_row_growth: 1.10,
	ingest_rss_mib: 64,
	validate_rss_base_mib: 64,
	validate_rss_bytes_per_key: 40,
	aggregate_rss_mib: 1024,
};

const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const exists = (f) => fs.existsSync(f);
const median = (xs) => {
	const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
	if (!s.length)
		return null;
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 4) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

function filesUnder(dir) {
	const out = [];
	if (!exists(dir))
		return out;
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory())
			out.push(...filesUnder(p));
		else if (e.isFile() && !e.name.startsWith('.'))
			out.push(p);
	}
	return out;
}
const sizeOf = (files) => files.reduce((a, f) => a + fs.statSync(f).size, 0);

// The runs of one command: rtime objects plus medians.
function costs(files) {
	return costsOf(files.filter(exists).map(readJson));
}

function costsOf(runs) {
	if (!runs.length)
		return null;
	return {
		wall_s: round(median(runs.map((r) => r.wall))),
		user_s: round(median(runs.map((r) => r.user))),
		sys_s: round(median(runs.map((r) => r.sys))),
		cpu_s: round(median(runs.map((r) => r.user + r.sys))),
		maxrss_mib: round(median(runs.map((r) => r.maxrss_kib / 1024)), 1),
		maxrss_mib_max: round(Math.max(...runs.map((r) => r.maxrss_kib / 1024)), 1),
		// Cores' worth of CPU that other processes used during the runs.
		background_cores: round(median(runs.map(background)), 2),
		runs: runs.map((r) => ({ wall_s: r.wall, cpu_s: round(r.user + r.sys), maxrss_kib: r.maxrss_kib,
			background_cores: round(background(r), 2) })),
	};
}

// Other processes' CPU during a run, in cores: the machine's busy time
// (rtime reads /proc/stat) less the command's own CPU, over its wall time.
function background(r) {
	if (r.machine_busy == null || r.machine_busy < 0 || !r.wall)
		return null;
	return Math.max(0, (r.machine_busy - r.user - r.sys) / r.wall);
}

function machine() {
	const cpus = os.cpus();
	return {
		cores: cpus.length,
		cpu: cpus[0] ? cpus[0].model : 'unknown',
		mem_gib: round(os.totalmem() / 2 ** 30, 1),
		kernel: os.release(),
		node: process.version,
	};
}

function sizeReport(dir, rows, nruns, seed, duckVersion) {
	const R = path.join(dir, 'runs');
	const E = path.join(dir, 'e2e');
	const idx = [...Array(nruns).keys()].map((i) => i + 1);
	const ing = readJson(path.join(E, 'ingest', 'ingest.json'));
	const val = readJson(path.join(E, 'validate', 'validate.json'));
	const aggLines = exists(path.join(dir, 'agg_lines')) ?
		Number(fs.readFileSync(path.join(dir, 'agg_lines'), 'utf8').trim()) : null;
	const keys = exists(path.join(dir, 'keys.json')) ? readJson(path.join(dir, 'keys.json')) : {};
	const inputs = {
		ingest: [path.join(dir, 'export.csv')],
		validate: [path.join(E, 'ingest', 'records.csv.gz')],
		aggregate: [path.join(E, 'validate', 'valid.csv.gz')],
		report: [path.join(E, 'aggregate', 'agg.csv.gz'), path.join(E, 'ingest', 'ingest.json'),
			path.join(E, 'validate', 'validate.json')],
	};
	const stageRows = {
		ingest: ing.rows_read,
		validate: val.rows_read,
		aggregate: val.records,
		report: aggLines != null ? aggLines - 1 : null,
	};
	const gzipLevel = /^[0-9]$/.test(process.env.RS_GZIP_LEVEL || '') ? Number(process.env.RS_GZIP_LEVEL) : 1;

	const stages = {};
	for (const s of STAGES) {
		const alone = costs(idx.map((i) => path.join(R, `alone-${s}-${i}.json`)));
		// The floor: the stage's I/O through common/fileio.c (rs-floor),
		// the codec, level and threads the stage uses.
		const floor = costs(idx.map((i) => path.join(R, `floor-${s}-${i}.json`)));
		const zIdx = idx.filter((i) => exists(path.join(R, `zfloor-${s}-${i}.json`)));
		const zfloor = zIdx.length ? costs(zIdx.map((i) => path.join(R, `zfloor-${s}-${i}.json`))) : null;
		const ldIdx = idx.filter((i) => exists(path.join(R, `ldfloor-${s}-${i}.json`)));
		const ldfloor = ldIdx.length ? costs(ldIdx.map((i) => path.join(R, `ldfloor-${s}-${i}.json`))) : null;
		const inE2e = costs(idx.map((i) => path.join(R, `e2e-${i}-${s}.json`)));
		const fo = idx.map((i) => path.join(R, `floor-${s}-${i}.out`)).filter(exists).map(readJson)[0] || {};
		const inBytes = sizeOf(inputs[s]);
		const outFiles = filesUnder(path.join(E, s));
		const outBytes = sizeOf(outFiles);
		const w = alone.wall_s;
		const ident = path.join(dir, `floor-identical-${s}`);
		stages[s] = {
			command_rows: stageRows[s],
			in_bytes: inBytes,
			out_bytes: outBytes,
			out_files: outFiles.length,
			in_bytes_uncompressed: fo.in_bytes ?? null,
			out_bytes_uncompressed: fo.out_bytes ?? null,
			alone,
			in_mb_s: round(inBytes / 1e6 / w, 2),
			out_mb_s: round(outBytes / 1e6 / w, 2),
			in_mb_s_uncompressed: fo.in_bytes ? round(fo.in_bytes / 1e6 / w, 2) : null,
			out_mb_s_uncompressed: fo.out_bytes ? round(fo.out_bytes / 1e6 / w, 2) : null,
			rows_per_s: stageRows[s] ? Math.round(stageRows[s] / w) : null,
			us_per_export_row: round(w / rows * 1e6, 4),
			floor,
			floor_same_data_and_level: exists(ident) ? fs.readFileSync(ident, 'utf8').trim() === '1' : null,
			vs_floor: floor ? round(w / floor.wall_s, 3) : null,
			vs_floor_cpu: floor ? round(alone.cpu_s / floor.cpu_s, 3) : null,
			vs_floor_pairs: floor ? idx.map((_, k) => round(alone.runs[k].wall_s / floor.runs[k].wall_s, 3)) : null,
			// For information: the same I/O with zlib on one thread (the
			// floor of issue #9) and with libdeflate members on one
			// thread (floor.c -L).
			zfloor,
			vs_zfloor: zfloor ? round(w / zfloor.wall_s, 3) : null,
			vs_zfloor_cpu: zfloor ? round(alone.cpu_s / zfloor.cpu_s, 3) : null,
			ldfloor,
			vs_ldfloor: ldfloor ? round(w / ldfloor.wall_s, 3) : null,
			vs_ldfloor_cpu: ldfloor ? round(alone.cpu_s / ldfloor.cpu_s, 3) : null,
			in_e2e: inE2e,
		};
	}

	const e2e = costs(idx.map((i) => path.join(R, `e2e-${i}.json`)));
	e2e.us_per_row = round(e2e.wall_s / rows * 1e6, 4);
	e2e.rows_per_s = Math.round(rows / e2e.wall_s);
	e2e.in_mb_s = round(fs.statSync(inputs.ingest[0]).size / 1e6 / e2e.wall_s, 2);

	let duckdb = null;
	const duckOuts = idx.map((i) => path.join(R, `duck-${i}.out`)).filter(exists).map(readJson);
	if (duckOuts.length) {
		const proc = costs(idx.map((i) => path.join(R, `duck-${i}.json`)));
		const inproc = duckOuts.map((o) => o.open_s + o.query_s);
		duckdb = {
			package: `@duckdb/node-api ${duckVersion}`,
			threads: 2,
			read_csv: duckOuts[0].read_csv,
			groups: duckOuts[0].groups,
			rows_counted: duckOuts[0].rows_counted,
			// DuckDB's own time: open the database, run the query, read
			// the result; node's start-up and loading of the addon (about
			// half a second here) are left out, as a duckdb CLI has none.
			time_s: round(median(inproc)),
			query_s: round(median(duckOuts.map((o) => o.query_s))),
			process: proc,
		};
		duckdb.us_per_row = round(duckdb.time_s / rows * 1e6, 4);
		duckdb.in_mb_s = round(fs.statSync(inputs.ingest[0]).size / 1e6 / duckdb.time_s, 2);
	}

	// The smallest size's end to end, run in alternation with this size's
	// (run.sh): the two sides of the scaling ratio.
	let scale = null;
	if (exists(path.join(dir, 'scale_rows'))) {
		const [fromRows, reps] = fs.readFileSync(path.join(dir, 'scale_rows'), 'utf8').trim().split(/\s+/).map(Number);
		// A round's runs at the smallest size, each from idle: their sum,
		// as one run over reps times the rows.
		const rounds = idx.map((i) => {
			const rs = [...Array(reps).keys()].map((j) => path.join(R, `scale-${i}-${j + 1}.json`));
			if (!rs.every(exists))
				return null;
			const js = rs.map(readJson);
			const sum = (k) => js.reduce((a, r) => a + r[k], 0);
			const busy = js.every((r) => r.machine_busy != null && r.machine_busy >= 0) ? sum('machine_busy') : -1;
			return { wall: sum('wall'), user: sum('user'), sys: sum('sys'),
				maxrss_kib: Math.max(...js.map((r) => r.maxrss_kib)), machine_busy: busy };
		}).filter((r) => r);
		const sc = rounds.length === idx.length ? costsOf(rounds) : null;
		if (sc && fromRows > 0 && reps > 0) {
			const fromRowsAll = fromRows * reps;
			scale = {
				from_rows: fromRows,
				from_runs_per_round: reps,
				from_e2e: sc,
				from_us_per_row: round(sc.wall_s / fromRowsAll * 1e6, 4),
				e2e: round((e2e.wall_s / rows) / (sc.wall_s / fromRowsAll), 3),
				e2e_cpu: round((e2e.cpu_s / rows) / (sc.cpu_s / fromRowsAll), 3),
				pairs: idx.map((_, k) => e2e.runs[k] && sc.runs[k] ?
					round((e2e.runs[k].wall_s / rows) / (sc.runs[k].wall_s / fromRowsAll), 3) : null),
			};
		}
	}

	// `reliefstat run` from an empty state, then again with nothing
	// changed, in the same rounds as the end to end and DuckDB.
	const rIdx = idx.filter((i) => exists(path.join(R, `runner-${i}.json`)));
	const runner = rIdx.length === idx.length ? costs(idx.map((i) => path.join(R, `runner-${i}.json`))) : null;
	if (runner) {
		runner.overhead = round(runner.wall_s / e2e.wall_s - 1, 4);
		runner.overhead_cpu = round(runner.cpu_s / e2e.cpu_s - 1, 4);
		runner.overhead_pairs = idx.map((_, k) => round(runner.runs[k].wall_s / e2e.runs[k].wall_s - 1, 4));
		runner.rerun = costs(idx.map((i) => path.join(R, `rerun-${i}.json`)));
		// Every stage up to date on the rerun: run.sh counted them.
		runner.rerun_ran_nothing = idx.every((i) => exists(path.join(R, `rerun-${i}.ok`)));
	}

	const ratios = {
		e2e_vs_duckdb: duckdb ? round(e2e.wall_s / duckdb.time_s, 3) : null,
		e2e_vs_duckdb_process: duckdb ? round(e2e.wall_s / duckdb.process.wall_s, 3) : null,
		e2e_vs_duckdb_pairs: duckdb ? idx.map((_, k) =>
			round(e2e.runs[k].wall_s / (duckOuts[k].open_s + duckOuts[k].query_s), 3)) : null,
		runner_vs_duckdb: duckdb && runner ? round(runner.wall_s / duckdb.time_s, 3) : null,
		runner_vs_duckdb_cpu: duckdb && runner ? round(runner.cpu_s / duckdb.process.cpu_s, 3) : null,
		runner_vs_duckdb_pairs: duckdb && runner ? idx.map((_, k) =>
			round(runner.runs[k].wall_s / (duckOuts[k].open_s + duckOuts[k].query_s), 3)) : null,
		stage_vs_floor: Object.fromEntries(STAGES.map((s) => [s, stages[s].vs_floor])),
	};

	const dupKeys = keys.dup_keys ?? null;
	const validateLimit = dupKeys != null ?
		TARGETS.validate_rss_base_mib + TARGETS.validate_rss_bytes_per_key * dupKeys / MiB : null;
	const targets = [];
	if (duckdb && runner) {
		targets.push({ name: 'reliefstat run <= 2.0 x DuckDB', value: ratios.runner_vs_duckdb,
			limit: TARGETS.e2e_vs_duckdb, holds: ratios.runner_vs_duckdb <= TARGETS.e2e_vs_duckdb });
		targets.push({ name: 'reliefstat run <= 2.5 x DuckDB in CPU seconds', value: ratios.runner_vs_duckdb_cpu,
			limit: TARGETS.e2e_vs_duckdb_cpu, holds: ratios.runner_vs_duckdb_cpu <= TARGETS.e2e_vs_duckdb_cpu });
	} else if (duckdb) {
		targets.push({ name: 'end to end <= 2.0 x DuckDB', value: ratios.e2e_vs_duckdb,
			limit: TARGETS.e2e_vs_duckdb, holds: ratios.e2e_vs_duckdb <= TARGETS.e2e_vs_duckdb });
	}
	if (runner) {
		targets.push({ name: 'runner overhead on a full run <= 3 %', value: runner.overhead * 100,
			limit: TARGETS.runner_overhead * 100, unit: '%', holds: runner.overhead <= TARGETS.runner_overhead });
		// The runner's own work is CPU (hashing, state, ledger): its CPU
		// seconds over the four commands' see through a noisy neighbour,
		// which moves the wall time of either by more than 3 %.
		targets.push({ name: 'runner overhead on a full run <= 3 % in CPU seconds', value: runner.overhead_cpu * 100,
			limit: TARGETS.runner_overhead * 100, unit: '%', holds: runner.overhead_cpu <= TARGETS.runner_overhead });
		targets.push({ name: 'rerun with nothing changed <= 0.2 s', value: runner.rerun.wall_s,
			limit: TARGETS.rerun_s, unit: 's',
			holds: runner.rerun.wall_s <= TARGETS.rerun_s && runner.rerun_ran_nothing });
	}
	for (const s of STAGES)
		targets.push({ name: `${s} <= 1.3 x its floor (ISA-L, its threads)`, value: stages[s].vs_floor,
			limit: TARGETS.stage_vs_floor, holds: stages[s].vs_floor <= TARGETS.stage_vs_floor &&
				stages[s].floor_same_data_and_level !== false });
	targets.push({ name: 'ingest peak RSS <= 64 MiB', value: stages.ingest.alone.maxrss_mib,
		limit: TARGETS.ingest_rss_mib, unit: 'MiB',
		holds: stages.ingest.alone.maxrss_mib <= TARGETS.ingest_rss_mib });
	if (validateLimit != null)
		targets.push({ name: `validate peak RSS <= 64 MiB + 40 B x ${dupKeys} keys`,
			value: stages.validate.alone.maxrss_mib, limit: round(validateLimit, 1), unit: 'MiB',
			holds: stages.validate.alone.maxrss_mib <= validateLimit });
	targets.push({ name: 'aggregate peak RSS <= 1 GiB', value: stages.aggregate.alone.maxrss_mib,
		limit: TARGETS.aggregate_rss_mib, unit: 'MiB',
		holds: stages.aggregate.alone.maxrss_mib <= TARGETS.aggregate_rss_mib });

	return {
		bench: 'reliefstat make bench',
		rows,
		seed,
		runs: nruns,
		when: new Date().toISOString(),
		machine: machine(),
		build: exists(path.join(dir, 'build.json')) ? readJson(path.join(dir, 'build.json')) : null,
		gzip_level: gzipLevel,
		gzip_strategy: process.env.BENCH_GZ_STRATEGY || 'default',
		settle_s: Number(process.env.BENCH_SETTLE || 5),
		export_bytes: fs.statSync(inputs.ingest[0]).size,
		generate: costs([path.join(R, 'gen.json')]),
		distinct_keys: keys,
		e2e,
		duckdb,
		stages,
		runner,
		ratios,
		scale,
		targets,
	};
}

// --- summary -------------------------------------------------------------
const pad = (s, n) => String(s).padStart(n);
const padr = (s, n) => String(s).padEnd(n);
const f = (x, d = 2) => (x == null ? '-' : Number(x).toFixed(d));

function printSize(b) {
	const L = [];
	const mb = (b.export_bytes / 1e6).toFixed(0);
	L.push(`== ${b.rows.toLocaleString('en-US')} rows (export ${mb} MB), median of ${b.runs} runs, gzip level ${b.gzip_level}`);
	L.push(`${padr('stage', 10)}${pad('wall s', 9)}${pad('cpu s', 9)}${pad('in MB/s', 9)}${pad('out MB/s', 9)}` +
		`${pad('rows/s', 10)}${pad('us/row', 8)}${pad('RSS MiB', 9)}${pad('floor s', 9)}${pad('x floor', 9)}${pad('cpu x', 7)}${pad('bg', 6)}`);
	const bg = (...cs) => Math.max(...cs.map((c) => (c && c.background_cores != null ? c.background_cores : 0)));
	let worst = 0;
	for (const s of STAGES) {
		const t = b.stages[s];
		L.push(`${padr(s, 10)}${pad(f(t.alone.wall_s), 9)}${pad(f(t.alone.cpu_s), 9)}${pad(f(t.in_mb_s, 1), 9)}` +
			`${pad(f(t.out_mb_s, 1), 9)}${pad(t.rows_per_s ?? '-', 10)}${pad(f(t.us_per_export_row, 2), 8)}` +
			`${pad(f(t.alone.maxrss_mib, 1), 9)}${pad(f(t.floor?.wall_s), 9)}${pad(f(t.vs_floor), 9)}${pad(f(t.vs_floor_cpu), 7)}` +
			`${pad(f(bg(t.alone, t.floor), 1), 6)}`);
		worst = Math.max(worst, bg(t.alone, t.floor));
	}
	const e = b.e2e;
	L.push(`${padr('end2end', 10)}${pad(f(e.wall_s), 9)}${pad(f(e.cpu_s), 9)}${pad(f(e.in_mb_s, 1), 9)}${pad('', 9)}` +
		`${pad(e.rows_per_s, 10)}${pad(f(e.us_per_row, 2), 8)}${pad(f(e.maxrss_mib, 1), 9)}${pad('', 25)}` +
		`${pad(f(bg(e, b.duckdb?.process), 1), 6)}`);
	worst = Math.max(worst, bg(e, b.duckdb?.process));
	if (b.duckdb) {
		const d = b.duckdb;
		L.push(`${padr('duckdb', 10)}${pad(f(d.time_s), 9)}${pad(f(d.process.cpu_s), 9)}${pad(f(d.in_mb_s, 1), 9)}${pad('', 9)}` +
			`${pad(Math.round(b.rows / d.time_s), 10)}${pad(f(d.us_per_row, 2), 8)}${pad(f(d.process.maxrss_mib, 1), 9)}` +
			`   end to end = ${f(b.ratios.e2e_vs_duckdb)} x DuckDB` +
			` (${f(b.ratios.e2e_vs_duckdb_process)} x its whole node process, ${f(d.process.wall_s)} s;` +
			` ${f(e.cpu_s / d.process.cpu_s)} x in CPU seconds)`);
	}
	{
		// What the four floors alone cost: the end-to-end time the stages
		// would take if each did nothing but its gzip I/O.
		const fw = STAGES.reduce((a, s) => a + (b.stages[s].floor?.wall_s ?? 0), 0);
		const fc = STAGES.reduce((a, s) => a + (b.stages[s].floor?.cpu_s ?? 0), 0);
		L.push(`${padr('floors', 10)}${pad(f(fw), 9)}${pad(f(fc), 9)}   the four floors together (ISA-L, the stages' threads)` +
			(b.duckdb ? `: ${f(fw / b.duckdb.time_s)} x DuckDB (${f(fc / b.duckdb.process.cpu_s)} x in CPU seconds)` : ''));
	}
	if (STAGES.every((s) => b.stages[s].zfloor)) {
		// Not a target: zlib on one thread, issue #9's floor.
		const fw = STAGES.reduce((a, s) => a + b.stages[s].zfloor.wall_s, 0);
		L.push(`${padr('z floors', 10)}${pad(f(fw), 9)}${pad('', 9)}   with zlib, one thread (floor.c), x that floor: ` +
			STAGES.map((s) => `${s} ${f(b.stages[s].vs_zfloor)} (cpu ${f(b.stages[s].vs_zfloor_cpu)})`).join(', '));
	}
	if (STAGES.every((s) => b.stages[s].ldfloor)) {
		// Not a target: libdeflate members on one thread.
		const fw = STAGES.reduce((a, s) => a + b.stages[s].ldfloor.wall_s, 0);
		L.push(`${padr('ld floors', 10)}${pad(f(fw), 9)}${pad('', 9)}   with libdeflate members, one thread (floor.c -L), x that floor: ` +
			STAGES.map((s) => `${s} ${f(b.stages[s].vs_ldfloor)} (cpu ${f(b.stages[s].vs_ldfloor_cpu)})`).join(', '));
	}
	if (b.runner) {
		const r = b.runner;
		L.push(`${padr('run', 10)}${pad(f(r.wall_s), 9)}${pad(f(r.cpu_s), 9)}${pad('', 9)}${pad('', 9)}` +
			`${pad(Math.round(b.rows / r.wall_s), 10)}${pad(f(r.wall_s / b.rows * 1e6, 2), 8)}${pad(f(r.maxrss_mib, 1), 9)}` +
			`   reliefstat run from an empty state: ${f(r.overhead * 100, 2)} % over the four commands` +
			` (CPU ${f(r.overhead_cpu * 100, 2)} %; pairs ${r.overhead_pairs.map((x) => f(x * 100, 1)).join(', ')} %)` +
			(b.duckdb ? `; ${f(b.ratios.runner_vs_duckdb)} x DuckDB (${f(b.ratios.runner_vs_duckdb_cpu)} x in CPU seconds)` : ''));
		L.push(`${padr('rerun', 10)}${pad(f(r.rerun.wall_s, 3), 9)}${pad(f(r.rerun.cpu_s, 3), 9)}` +
			`   reliefstat run again, nothing changed` + (r.rerun_ran_nothing ? '' : ' (BUT A STAGE RAN)') +
			` (runs ${r.rerun.runs.map((x) => f(x.wall_s, 3)).join(', ')} s)`);
	}
	L.push(`(stage rows are rows read by the stage; us/row is per export row; cpu = user + sys;` +
		` MB/s are file sizes on disk over wall time;\n x floor = wall over the floor's wall, cpu x = the same in CPU seconds;` +
		` bg = cores other processes used meanwhile)`);
	if (worst > 0.25)
		L.push(`note: other processes used up to ${f(worst, 1)} of ${os.cpus().length} cores during these runs: the figures are noisy`);
	return L.join('\n');
}

function summary(seconds, files) {
	const benches = files.filter(exists).map(readJson).sort((a, b) => a.rows - b.rows);
	if (!benches.length) {
		console.error('report: no bench results');
		process.exit(1);
	}
	const out = [];
	for (const b of benches)
		out.push(printSize(b), '');
	let scaling = null;
	if (benches.length >= 2) {
		const lo = benches[0], hi = benches[benches.length - 1];
		scaling = {
			from_rows: lo.rows,
			to_rows: hi.rows,
			e2e: round(hi.e2e.us_per_row / lo.e2e.us_per_row, 3),
			// The same in CPU seconds: less sensitive to other processes.
			e2e_cpu: round((hi.e2e.cpu_s / hi.rows) / (lo.e2e.cpu_s / lo.rows), 3),
			stages: Object.fromEntries(STAGES.map((s) =>
				[s, round(hi.stages[s].us_per_export_row / lo.stages[s].us_per_export_row, 3)])),
			stages_cpu: Object.fromEntries(STAGES.map((s) =>
				[s, round((hi.stages[s].alone.cpu_s / hi.rows) / (lo.stages[s].alone.cpu_s / lo.rows), 3)])),
		};
		if (hi.duckdb && lo.duckdb)
			scaling.duckdb = round(hi.duckdb.us_per_row / lo.duckdb.us_per_row, 3);
		out.push(`time per row, ${hi.rows.toLocaleString('en-US')} vs ${lo.rows.toLocaleString('en-US')} rows, ` +
			`from each size's own runs: ` +
			`end to end x${f(scaling.e2e, 3)} (CPU x${f(scaling.e2e_cpu, 3)}); ` +
			STAGES.map((s) => `${s} x${f(scaling.stages[s], 3)} (CPU x${f(scaling.stages_cpu[s], 3)})`).join(', ') +
			(scaling.duckdb != null ? `; DuckDB x${f(scaling.duckdb, 3)}` : ''));
		// The target's figure: the two end-to-end commands taken in
		// alternation, as every other ratio is (run.sh).
		if (hi.scale && hi.scale.from_rows === lo.rows) {
			scaling.alternated = hi.scale;
			out.push(`time per row, end to end at ${hi.rows.toLocaleString('en-US')} and ` +
				`${lo.rows.toLocaleString('en-US')} rows run in alternation ` +
				`(${hi.scale.from_runs_per_round} runs a round at ${lo.rows.toLocaleString('en-US')}): ` +
				`${f(hi.e2e.us_per_row, 3)} vs ${f(hi.scale.from_us_per_row, 3)} us/row, ` +
				`x${f(hi.scale.e2e, 3)} (CPU x${f(hi.scale.e2e_cpu, 3)}; pairs ` +
				`${hi.scale.pairs.map((x) => f(x, 3)).join(', ')})`);
		}
		out.push('');
	}
	const top = benches[benches.length - 1];
	// Under a noisy neighbour, CPU seconds say more than wall time: give
	// the CPU-second value of each ratio target beside it.
	const cpuValue = (t) => {
		if (t.name.startsWith('end to end') && top.duckdb)
			return round(top.e2e.cpu_s / top.duckdb.process.cpu_s, 3);
		if (t.name.startsWith('reliefstat run <= 2.0') && top.duckdb && top.runner)
			return top.ratios.runner_vs_duckdb_cpu;
		const m = /^(\w+) <= 1.3 x/.exec(t.name);
		return m ? top.stages[m[1]].vs_floor_cpu : undefined;
	};
	const targets = top.targets.map((t) => ({ ...t, rows: top.rows, value_cpu: cpuValue(t) }));
	if (scaling) {
		const sc = scaling.alternated || scaling;
		targets.push({ name: `time per row at ${top.rows} within 10 % of ${scaling.from_rows}`,
			value: sc.e2e, value_cpu: sc.e2e_cpu, limit: TARGETS.per_row_growth, rows: top.rows,
			alternated: !!scaling.alternated, holds: sc.e2e <= TARGETS.per_row_growth });
	}
	out.push(`targets at ${top.rows.toLocaleString('en-US')} rows` +
		(top.rows < 10000000 ? ' (the lead\'s targets are for 10,000,000 rows)' : '') + ':');
	for (const t of targets)
		out.push(`  ${t.holds ? 'HOLDS ' : 'MISSED'}  ${padr(t.name, 52)} ${f(t.value, t.unit === 's' ? 3 : t.unit ? 1 : 3)}` +
			`${t.unit ? ' ' + t.unit : ''} (limit ${t.limit}${t.unit ? ' ' + t.unit : ''})` +
			(t.value_cpu != null ? `; in CPU seconds ${f(t.value_cpu, 3)}` : ''));
	out.push('', `bench wall time: ${seconds} s (${(seconds / 60).toFixed(1)} min)`);
	console.log(out.join('\n'));
	const sum = {
		bench: 'reliefstat make bench',
		when: new Date().toISOString(),
		bench_wall_s: Number(seconds),
		machine: machine(),
		sizes: benches.map((b) => ({
			rows: b.rows,
			file: `bench-${b.rows}.json`,
			e2e_wall_s: b.e2e.wall_s,
			duckdb_s: b.duckdb ? b.duckdb.time_s : null,
			e2e_vs_duckdb: b.ratios.e2e_vs_duckdb,
			run_wall_s: b.runner ? b.runner.wall_s : null,
			run_vs_duckdb: b.ratios.runner_vs_duckdb,
			run_vs_duckdb_cpu: b.ratios.runner_vs_duckdb_cpu,
			runner_overhead: b.runner ? b.runner.overhead : null,
			rerun_s: b.runner ? b.runner.rerun.wall_s : null,
			stages: Object.fromEntries(STAGES.map((s) => [s, {
				wall_s: b.stages[s].alone.wall_s,
				cpu_s: b.stages[s].alone.cpu_s,
				floor_s: b.stages[s].floor?.wall_s ?? null,
				vs_floor: b.stages[s].vs_floor,
				vs_zlib_floor: b.stages[s].vs_zfloor,
				vs_libdeflate_floor: b.stages[s].vs_ldfloor,
				maxrss_mib: b.stages[s].alone.maxrss_mib,
				rows_per_s: b.stages[s].rows_per_s,
			}])),
			us_per_row: b.e2e.us_per_row,
		})),
		per_row_scaling: scaling,
		targets,
	};
	const dir = path.dirname(path.resolve(files[0]));
	fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(sum, null, 1) + '\n');
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'size') {
	const [dir, rows, runs, seed, duckVersion] = args;
	console.log(JSON.stringify(sizeReport(dir, Number(rows), Number(runs), Number(seed), duckVersion || ''), null, 1));
} else if (mode === 'summary') {
	const [seconds, ...files] = args;
	summary(Number(seconds), files);
} else {
	console.error('usage: node report.mjs size DIR ROWS RUNS SEED DUCKDB_VERSION | summary SECONDS FILE...');
	process.exit(2);
}
