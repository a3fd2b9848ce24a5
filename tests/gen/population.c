/*
 * population.c - the beneficiaries rs-gen pays: who they are (name, a
 * valid and unique ID whose birth date fits the program's age rule), where
 * they live, which program pays them, how much and in which months.
 *
 * Each monthly beneficiary is enrolled in exactly one program and paid once
 * a month over a run of consecutive months, so nobody is paid twice for one
 * (program, month) and nobody gets 低保 and 特困 in the same month. Each
 * 临时救助 payment goes to a person of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "xalloc.h"

const char *const gen_prog_code[GP_N] = {
	"dibao_urban", "dibao_rural", "tekun", "gaoling", "disab_living",
	"linshi",
};
const char *const gen_prog_label[GP_N] = {
	"城市低保", "农村低保", "特困人员救助供养", "高龄津贴",
	"困难残疾人生活补贴", "临时救助",
};
const char *const gen_area_code[GA_N] = { "urban", "rural" };
const char *const gen_area_label[GA_N] = { "城镇", "农村" };
const char *const gen_funding[3] = { "区级财政", "市级财政", "省级财政" };

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

/*
 * Makes an ID for a person of the given age class. Everyone but 高龄津贴 is
 * 19..78 all year (so no age rule can fire); 高龄津贴 is 80 or over from
 * 1 January. The first tries follow a realistic age profile; later ones
 * spread over the whole band so a dense band still finds a free slot.
 */
static int make_id(struct idspace *ids, struct gen_rng *r, int year,
		   const char *county, int old, char *id)
{
	static const unsigned old_w[4] = { 50, 30, 15, 5 };
	int tries;

	for (tries = 0; tries < 100000; tries++) {
		int by, doy, bm, bd, seq, y0, span;
		uint64_t bit;

		if (old) {
			y0 = year - 81;
			if (tries < 32) {
				int band = weighted(r, old_w, 4);

				by = y0 - band * 5 - (int)gen_rng_below(r, 5);
			} else {
				by = y0 - (int)gen_rng_below(r, 20);
			}
		} else {
			y0 = year - 20;
			span = 59;
			by = y0 - (int)gen_rng_below(r, (uint32_t)span);
		}
		doy = (int)gen_rng_below(r, leap(by) ? 366 : 365);
		for (bm = 1; doy >= month_days(by, bm); bm++)
			doy -= month_days(by, bm);
		bd = doy + 1;
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
	return make_id(ids, r, o->year, rg->county[v->county],
		       prog == GP_GAOLING, p->id);
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
