/*
 * population.c - the beneficiaries rs-gen pays: who they are (name, a
 * valid and unique ID whose birth date fits the program's age rule), where
 * they live, which program pays them, how much and in which months.
 *
 * Each monthly beneficiary is enrolled in exactly one program and paid once
 * a month over a run of consecutive months, so nobody is paid twice for one
 * (program, month) and nobody gets 低保 and 特困 in the same month. Each
 * 临时救助 payment goes to a person of its own.
 *
 * With --extras some of them also get (each decided once per person, so
 * the number of rows stays exact): a payment reversed (冲正) later in the
 * file, maybe corrected by a new payment or reversed a second time; a
 * back-payment (补发) for the months between an application and the first
 * regular payment; a reversal of a month in which nothing was paid; a
 * 节日慰问 visit (a second entry with the same ID). Orphans (under 18, some
 * ageing out during the year) and one-off 慈善救助 join the programs.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "xalloc.h"

const char *const gen_prog_code[GP_N] = {
	"dibao_urban", "dibao_rural", "tekun", "gaoling", "disab_living",
	"linshi", "orphan", "charity_aid", "holiday_visit",
};
const char *const gen_prog_label[GP_N] = {
	"城市低保", "农村低保", "特困人员救助供养", "高龄津贴",
	"困难残疾人生活补贴", "临时救助", "孤儿基本生活费", "慈善救助",
	"节日慰问",
};
const char *const gen_area_code[GA_N] = { "urban", "rural" };
const char *const gen_area_label[GA_N] = { "城镇", "农村" };
const char *const gen_funding[4] = {
	"区级财政", "市级财政", "省级财政", "慈善捐赠",
};

int gen_prog_monthly(int prog)
{
	return prog != GP_LINSHI && prog != GP_CHARITY && prog != GP_HOLIDAY;
}

int gen_prog_public(int prog)
{
	return prog != GP_CHARITY && prog != GP_HOLIDAY;
}

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
	"马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
	"唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
	"潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
	"任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦",
	"邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎",
	"贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
	"莫", "孔", "向", "汤",
};
static const char *const given[] = {
	"伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋",
	"勇", "艳", "杰", "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂",
	"华", "建", "国", "文", "玉", "珍", "凤", "红", "梅", "金", "林", "德",
	"福", "春", "海", "云", "志", "荣", "淑", "琴", "燕", "波", "辉", "斌",
	"宇", "浩", "鹏", "婷", "雪", "佳", "欣", "俊", "峰", "晨", "慧", "颖",
	"鑫", "凯", "萍", "莉",
};
#define NSUR (sizeof(surnames) / sizeof(surnames[0]))
#define NGIVEN (sizeof(given) / sizeof(given[0]))

const char *gen_surname(unsigned i) { return surnames[i % NSUR]; }
const char *gen_given(unsigned i) { return given[i % NGIVEN]; }

/* Monthly standards in fen. 低保 pays persons x standard; the others pay
 * one of a few local tiers per person (特困 by self-care ability, 高龄 by
 * age band). */
#define DIBAO_URBAN_STD 75000
#define DIBAO_RURAL_STD 64000
static const uint32_t tekun_tier[3] = { 117000, 140000, 170000 };
static const uint32_t disab_tier[3] = { 15000, 19000, 23000 };
static const uint32_t orphan_tier[2] = { 130000, 160000 };   /* 散居, 集中 */
static const uint32_t holiday_tier[3] = { 30000, 50000, 80000 };

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

char gen_id_check(const char *id17)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5,
				   8, 4, 2 };
	static const char ck[] = "10X98765432";
	int i, s = 0;

	for (i = 0; i < 17; i++)
		s += (id17[i] - '0') * w[i];
	return ck[s % 11];
}

static int digits2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int gen_person_age(const struct gen_person *p, int y, int m)
{
	int by = digits2(p->id + 6) * 100 + digits2(p->id + 8);
	int bm = digits2(p->id + 10);

	/* On the month's last day the birthday has passed iff bm <= m. */
	return y - by - (bm > m);
}

int64_t gen_person_amount(const struct gen_person *p, int y, int m)
{
	int age;

	if (p->prog != GP_GAOLING)
		return p->amount;
	age = gen_person_age(p, y, m);
	return age >= 100 ? 60000 : age >= 90 ? 30000 : 10000;
}

/* Unique IDs: one bit per (birth date, sequence) under the address code. */
struct idspace {
	uint64_t *bits;
	int base;               /* first birth year covered */
};

#define ID_YEARS 102

static int weighted(struct gen_rng *r, const unsigned *w, int n)
{
	unsigned t = 0, x;
	int i;

	for (i = 0; i < n; i++)
		t += w[i];
	x = gen_rng_below(r, t);
	for (i = 0; x >= w[i]; i++)
		x -= w[i];
	return i;
}

enum age_class { AGE_ADULT, AGE_OLD, AGE_CHILD };

/*
 * Makes an ID for a person of the given age class. Adults are 19..78 all
 * year (so no age rule can fire); 高龄津贴 is 80 or over from 1 January;
 * children (--extras orphans) are 1..17, or turn 18 in February or later
 * of the reporting year (they are paid only before). The first tries follow
 * a realistic age profile; later ones spread over the whole band so a
 * dense band still finds a free slot.
 */
static int make_id(struct idspace *ids, struct gen_rng *r, int year,
		   const char *county, int cls, char *id)
{
	static const unsigned old_w[4] = { 50, 30, 15, 5 };
	int tries;

	for (tries = 0; tries < 100000; tries++) {
		int by, doy, bm, bd, seq, y0, span;
		uint64_t bit;

		if (cls == AGE_OLD) {
			y0 = year - 81;
			if (tries < 32) {
				int band = weighted(r, old_w, 4);

				by = y0 - band * 5 - (int)gen_rng_below(r, 5);
			} else {
				by = y0 - (int)gen_rng_below(r, 20);
			}
		} else if (cls == AGE_CHILD) {
			by = year - 18 + (int)gen_rng_below(r, 17);
		} else {
			y0 = year - 20;
			span = 59;
			by = y0 - (int)gen_rng_below(r, (uint32_t)span);
		}
		doy = (int)gen_rng_below(r, leap(by) ? 366 : 365);
		for (bm = 1; doy >= month_days(by, bm); bm++)
			doy -= month_days(by, bm);
		bd = doy + 1;
		if (cls == AGE_CHILD && by == year - 18 && bm == 1)
			continue;       /* 18 all year: no month to pay */
		seq = (int)gen_rng_below(r, 1000);
		bit = ((uint64_t)(by - ids->base) * 372 + (uint64_t)(bm - 1) * 31
		       + (uint64_t)(bd - 1)) * 1000 + (uint64_t)seq;
		if (ids->bits[bit / 64] & (1ULL << (bit % 64)))
			continue;
		ids->bits[bit / 64] |= 1ULL << (bit % 64);
		memcpy(id, county, 6);
		id[6] = (char)('0' + by / 1000);
		id[7] = (char)('0' + by / 100 % 10);
		id[8] = (char)('0' + by / 10 % 10);
		id[9] = (char)('0' + by % 10);
		id[10] = (char)('0' + bm / 10);
		id[11] = (char)('0' + bm % 10);
		id[12] = (char)('0' + bd / 10);
		id[13] = (char)('0' + bd % 10);
		id[14] = (char)('0' + seq / 100);
		id[15] = (char)('0' + seq / 10 % 10);
		id[16] = (char)('0' + seq % 10);
		id[17] = gen_id_check(id);
		return 0;
	}
	return -1;
}

static struct gen_person *add(struct gen_population *pop)
{
	if (pop->n == pop->alloc) {
		pop->alloc = pop->alloc ? pop->alloc * 2 : 1024;
		pop->p = xreallocarray(pop->p, pop->alloc, sizeof(*pop->p));
	}
	memset(&pop->p[pop->n], 0, sizeof(pop->p[0]));
	return &pop->p[pop->n++];
}

static uint32_t pick(struct gen_rng *r, const uint32_t *list, size_t n,
		     size_t all)
{
	if (n)
		return list[gen_rng_below(r, (uint32_t)n)];
	return gen_rng_below(r, (uint32_t)all);
}

static int household(struct gen_rng *r)
{
	static const unsigned w[6] = { 25, 25, 20, 15, 10, 5 };

	return 1 + weighted(r, w, 6);
}

/* Fills everything but the months. */
static int fill(struct gen_person *p, int prog, const struct gen_regions *rg,
		struct idspace *ids, const struct gen_opts *o,
		struct gen_rng *r)
{
	static const unsigned fund_w[3] = { 70, 20, 10 };
	static const unsigned tier_w[3] = { 60, 30, 10 };
	const struct gen_village *v;

	p->prog = (uint8_t)prog;
	if (prog == GP_DIBAO_URBAN)
		p->village = pick(r, rg->urban, rg->nurban, rg->nv);
	else if (prog == GP_DIBAO_RURAL)
		p->village = pick(r, rg->rural, rg->nrural, rg->nv);
	else
		p->village = gen_rng_below(r, (uint32_t)rg->nv);
	v = &rg->v[p->village];
	if (prog == GP_DIBAO_URBAN)
		p->area = GA_URBAN;
	else if (prog == GP_DIBAO_RURAL)
		p->area = GA_RURAL;
	else
		/* 城乡属性 follows the village, with the odd exception
		 * (rural hukou living in a community, and so on). */
		p->area = (uint8_t)((v->urban ? GA_URBAN : GA_RURAL) ^
				    (gen_rng_below(r, 10) == 0));

	switch (prog) {
	case GP_DIBAO_URBAN:
	case GP_DIBAO_RURAL:
		p->hh = (uint8_t)household(r);
		p->persons = gen_rng_below(r, 10) < 7 ? p->hh :
			(uint8_t)(1 + gen_rng_below(r, p->hh));
		p->amount = (uint32_t)p->persons * (prog == GP_DIBAO_URBAN ?
				DIBAO_URBAN_STD : DIBAO_RURAL_STD);
		break;
	case GP_TEKUN:
		p->hh = 1;
		p->persons = 1;
		p->amount = tekun_tier[weighted(r, tier_w, 3)];
		break;
	case GP_GAOLING:
	case GP_DISAB_LIVING:
		p->hh = (uint8_t)(1 + gen_rng_below(r, 4));
		p->persons = 1;
		p->amount = prog == GP_GAOLING ? 0 :
			disab_tier[weighted(r, tier_w, 3)];
		break;
	case GP_ORPHAN:
		p->hh = 1;
		p->persons = 1;
		p->amount = orphan_tier[gen_rng_below(r, 4) == 0];
		break;
	case GP_CHARITY:        /* one-off, from donations */
		p->hh = (uint8_t)(1 + gen_rng_below(r, 5));
		p->persons = (uint8_t)(1 + gen_rng_below(r, p->hh));
		p->amount = (5 + gen_rng_below(r, 46)) * 10000;
		break;
	default: /* GP_LINSHI: one-off, per household or per person */
		p->hh = (uint8_t)(1 + gen_rng_below(r, 5));
		p->persons = gen_rng_below(r, 2) ? p->hh :
			(uint8_t)(1 + gen_rng_below(r, p->hh));
		p->amount = (30 + gen_rng_below(r, 470)) * 1000;
		break;
	}
	p->funding = (uint8_t)weighted(r, fund_w, 3);
	p->sur = (uint8_t)gen_rng_below(r, NSUR);
	p->given1 = (uint8_t)gen_rng_below(r, NGIVEN);
	p->given2 = gen_rng_below(r, 10) < 6 ?
		(uint8_t)gen_rng_below(r, NGIVEN) : 0xff;
	if (prog == GP_CHARITY)
		p->funding = GEN_FUND_DONATION;
	else if (prog == GP_LINSHI && o->extras && gen_rng_below(r, 5) == 0)
		p->funding = GEN_FUND_DONATION;
	return make_id(ids, r, o->year, rg->county[v->county],
		       prog == GP_GAOLING ? AGE_OLD :
		       prog == GP_ORPHAN ? AGE_CHILD : AGE_ADULT, p->id);
}

/* Months of enrolment: most are paid all year, some enter or leave. */
static void months(struct gen_person *p, struct gen_rng *r)
{
	unsigned x = gen_rng_below(r, 100);

	if (x < 78) {
		p->start = 1;
		p->dur = 12;
	} else if (x < 86) {            /* left during the year */
		p->start = 1;
		p->dur = (uint8_t)(1 + gen_rng_below(r, 11));
	} else if (x < 94) {            /* entered during the year */
		p->start = (uint8_t)(2 + gen_rng_below(r, 11));
		p->dur = (uint8_t)(13 - p->start);
	} else {                        /* entered and left */
		p->start = (uint8_t)(2 + gen_rng_below(r, 10));
		p->dur = (uint8_t)(1 + gen_rng_below(r, 12u - p->start));
	}
}

/* An orphan who turns 18 during the year (born 18 years before it, in
 * February or later) is paid from January until the month before, then
 * ages out of the program. */
static void orphan_months(struct gen_person *p, int year)
{
	int by = digits2(p->id + 6) * 100 + digits2(p->id + 8);
	int bm = digits2(p->id + 10);

	if (by != year - 18)
		return;
	p->start = 1;
	p->dur = (uint8_t)(bm - 1);
}

static void no_extras(struct gen_person *p)
{
	p->rev = p->revfl = p->bp = p->bpfirst = p->um = 0;
}

/*
 * Decides a monthly beneficiary's rows besides its payments; returns their
 * number and sets *holiday to the month of a 节日慰问 visit (0: none).
 *  - 补发: a late entrant (first paid in month start >= 2) is back-paid,
 *    with its first regular payment or the next one, for the 1-3 months
 *    before start (the months after the application);
 *  - 冲正: one payment (not in the month of the back-payment) is reversed
 *    later in the file; the reversed payment paid GEN_REV_DELTA too much
 *    and a corrected payment follows, or it was paid in error and stays
 *    reversed (now and then reversed twice, the second time unmatched);
 *  - an unmatched reversal: of a month with no payment at all (never for
 *    orphans: they may be 18 then, and age_ineligible comes first), or,
 *    for those paid all year, of a month paid, written before that
 *    month's payment (an export sorted by amount, say) - the payment
 *    then stands;
 *  - 节日慰问 for 低保 and 特困 households, at 春节 (January, February) or
 *    中秋 (September).
 */
static unsigned plan_extras(struct gen_person *p, struct gen_rng *r,
			    int *holiday)
{
	int s = p->start, e = p->start + p->dur - 1, m;
	unsigned rows = 0;

	*holiday = 0;
	if (!p->dur)
		return 0;
	if (s >= 2 && gen_rng_below(r, 100) < 35) {
		int back = 1 + (int)gen_rng_below(r, (uint32_t)(s - 1 < 3 ? s - 1 : 3));

		p->bpfirst = (uint8_t)(s - back);
		p->bp = (uint8_t)(p->dur >= 2 && gen_rng_below(r, 3) == 0 ? s + 1 : s);
		rows++;
	}
	if (gen_rng_below(r, 100) < 8) {
		m = s + (int)gen_rng_below(r, p->dur);
		if (m != p->bp) {
			p->rev = (uint8_t)m;
			rows++;
			if (gen_rng_below(r, 10) < 6) {
				p->revfl = GEN_REV_CORRECTED;
				rows++;
			} else if (gen_rng_below(r, 10) == 0) {
				p->revfl = GEN_REV_TWICE;
				rows++;
			}
		}
	}
	if (p->prog != GP_ORPHAN && p->dur < 12 && gen_rng_below(r, 100) < 3) {
		int lo = p->bp ? p->bpfirst : s, n = 0;
		uint8_t cand[12];

		for (m = 1; m <= 12; m++)
			if (m < lo || m > e)
				cand[n++] = (uint8_t)m;
		if (n) {
			p->um = cand[gen_rng_below(r, (uint32_t)n)];
			rows++;
		}
	} else if (p->dur == 12 && gen_rng_below(r, 200) == 0) {
		m = 1 + (int)gen_rng_below(r, 12);
		if (m != p->rev && m != p->bp) {
			p->um = (uint8_t)m;     /* before the payment: emit.c */
			rows++;
		}
	}
	if ((p->prog == GP_DIBAO_URBAN || p->prog == GP_DIBAO_RURAL ||
	     p->prog == GP_TEKUN) && gen_rng_below(r, 100) < 12) {
		*holiday = gen_rng_below(r, 10) < 7 ?
			1 + (int)gen_rng_below(r, 2) : 9;
		rows++;
	}
	return rows;
}

/* The --extras population (see plan_extras and gen.h). */
static int build_extras(struct gen_population *pop,
			const struct gen_regions *rg, const struct gen_opts *o,
			uint64_t valid, struct gen_rng *rng, struct idspace *ids)
{
	static const unsigned prog_w[6] = { 20, 20, 14, 28, 14, 4 };
	static const uint8_t prog_of[6] = {
		GP_DIBAO_URBAN, GP_DIBAO_RURAL, GP_TEKUN, GP_GAOLING,
		GP_DISAB_LIVING, GP_ORPHAN,
	};
	uint64_t linshi = valid / 200, charity = valid / 400, i;
	uint64_t budget = valid - linshi - charity, sum = 0;

	while (sum < budget || pop->n == 0) {
		size_t at = pop->n;
		struct gen_person *p = add(pop), *q;
		unsigned rows;
		int holiday;

		if (fill(p, prog_of[weighted(rng, prog_w, 6)], rg, ids, o,
			 rng) < 0)
			return -1;
		months(p, rng);
		if (p->prog == GP_ORPHAN)
			orphan_months(p, o->year);
		rows = plan_extras(p, rng, &holiday);
		if (p->dur + rows > budget - sum) {
			no_extras(p);
			rows = 0;
			holiday = 0;
			if (p->dur > budget - sum)
				p->dur = (uint8_t)(budget - sum);
		}
		sum += p->dur + rows;
		if (!holiday)
			continue;
		q = add(pop);
		p = &pop->p[at];
		*q = *p;
		no_extras(q);
		q->prog = GP_HOLIDAY;
		q->amount = holiday_tier[gen_rng_below(rng, 3)];
		q->funding = (uint8_t)(gen_rng_below(rng, 4) == 0);
		q->start = (uint8_t)holiday;
		q->dur = 1;
	}
	for (i = 0; i < linshi + charity; i++) {
		struct gen_person *p = add(pop);

		if (fill(p, i < linshi ? GP_LINSHI : GP_CHARITY, rg, ids, o,
			 rng) < 0)
			return -1;
		p->start = (uint8_t)(1 + gen_rng_below(rng, 12));
		p->dur = 1;
	}
	return 0;
}

int gen_population_build(struct gen_population *pop,
			 const struct gen_regions *rg,
			 const struct gen_opts *o, uint64_t valid,
			 struct gen_rng *rng, struct rs_error *err)
{
	static const unsigned prog_w[5] = { 20, 20, 15, 30, 15 };
	struct idspace ids;
	uint64_t linshi = valid / 200, monthly = valid - linshi, sum = 0, i;
	size_t nbits = (size_t)ID_YEARS * 372 * 1000;
	int ret = -1;

	memset(pop, 0, sizeof(*pop));
	ids.base = o->year - ID_YEARS + 1;
	ids.bits = xcalloc(nbits / 64 + 1, sizeof(uint64_t));
	if (o->extras) {
		if (build_extras(pop, rg, o, valid, rng, &ids) < 0)
			goto full;
		ret = 0;
		goto out;
	}
	while (sum < monthly || pop->n == 0) {
		struct gen_person *p = add(pop);

		if (fill(p, weighted(rng, prog_w, 5), rg, &ids, o, rng) < 0)
			goto full;
		months(p, rng);
		if (p->dur > monthly - sum)
			p->dur = (uint8_t)(monthly - sum);
		sum += p->dur;
	}
	for (i = 0; i < linshi; i++) {
		struct gen_person *p = add(pop);

		if (fill(p, GP_LINSHI, rg, &ids, o, rng) < 0)
			goto full;
		p->start = (uint8_t)(1 + gen_rng_below(rng, 12));
		p->dur = 1;
	}
	ret = 0;
	goto out;
full:
	rs_err(err, "ran out of unique ID numbers after %zu people", pop->n);
	gen_population_release(pop);
out:
	free(ids.bits);
	return ret;
}

void gen_population_release(struct gen_population *pop)
{
	free(pop->p);
	memset(pop, 0, sizeof(*pop));
}
