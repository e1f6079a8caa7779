/* The hist splitter: a node's histogram of (gradient/class/moment) sums per
 * (feature, bin), and the split search over it: per-feature best bins, then
 * the choice among features (pyml_tree_pick_split). Growth, partition and the
 * exact splitter are in tree.c / tree_exact.inc. */
#include "tree_grow.h"

/* The histogram loop of rows with two stats (g0, g1) over the active
 * features a0..a1: bins of (G, H) (stride 2: count-free newton) or of
 * (G, H, count) (stride 3: squared error). Always inlined with a constant
 * stride: each call compiles to its own loop, the code of the two loops
 * written out (no test or work added per row or bin). */
PYML_INLINE void hist_accum_pairs(const int32_t *rows, const int32_t *active, const uint8_t *codes, pyml_index d,
                                  int nb, const double *rs, int32_t start, int32_t end, double *h, int a0, int a1,
                                  const int stride)
{
    for (int32_t q = start; q < end; q++) {
        int32_t r = rows[q];
        const uint8_t *c = codes + (size_t)r * d;
        double g0 = rs[2 * (size_t)r], g1 = rs[2 * (size_t)r + 1];
        for (int a = a0; a < a1; a++) {
            int f = active[a];
            double *b = h + ((size_t)f * nb + c[f]) * stride;
            b[0] += g0;
            b[1] += g1;
            if (stride == 3) b[2] += 1.0;
        }
    }
}

/* Histogram of rows[start:end) over the active features a0..a1 (zeroed
 * first). Each (feature, bin) sum runs over the rows in their fixed order, so
 * any split of the features among threads gives identical histograms. */
void pyml_tree_hist_accum(const grower *g, int32_t start, int32_t end, double *h, int a0, int a1)
{
    const pyml_tree_data *D = g->D;
    const int S = g->S, Sh = g->Sh, nb = D->nb_max, na = g->n_active;
    const pyml_index d = D->d;
    const int32_t *rows = g->rows;
    const uint8_t *codes = D->codes;
    const int32_t *active = g->active;
    for (int a = a0; a < a1; a++) memset(h + (size_t)active[a] * nb * Sh, 0, sizeof(double) * nb * Sh);
    if (g->yc) {
        const int32_t *yc = g->yc;
        const double *w = g->w;
        for (int32_t q = start; q < end; q++) {
            int32_t r = rows[q];
            const uint8_t *c = codes + (size_t)r * d;
            int y = yc[r];
            double wr = w ? w[r] : 1.0;
            for (int a = a0; a < a1; a++) {
                int f = active[a];
                double *b = h + ((size_t)f * nb + c[f]) * S;
                b[y] += wr;
                b[S - 1] += 1.0;
            }
        }
    } else if (Sh == 2 && na == d) {
        /* all features active: walk the histogram feature by feature
         * without the active[] indirection (the hottest loop of boosting) */
        const double *rs = g->rs;
        const size_t fstride = (size_t)nb * 2;
        double *h0 = h + (size_t)a0 * fstride;
        for (int32_t q = start; q < end; q++) {
            int32_t r = rows[q];
            if (q + HIST_PF < end) {
                int32_t rp = rows[q + HIST_PF];
                __builtin_prefetch(codes + (size_t)rp * d + a0);
                __builtin_prefetch(rs + 2 * (size_t)rp);
            }
            const uint8_t *c = codes + (size_t)r * d;
            const double g0 = rs[2 * (size_t)r], g1 = rs[2 * (size_t)r + 1];
            double *hf = h0;
            for (int f = a0; f < a1; f++, hf += fstride) {
                double *b = hf + 2 * (size_t)c[f];
                b[0] += g0;
                b[1] += g1;
            }
        }
    } else if (Sh == 2) {
        hist_accum_pairs(rows, active, codes, d, nb, g->rs, start, end, h, a0, a1, 2);
    } else if (g->S0 == 2) {
        hist_accum_pairs(rows, active, codes, d, nb, g->rs, start, end, h, a0, a1, 3);
    } else {
        const double *rs = g->rs;
        int S0 = g->S0;
        for (int32_t q = start; q < end; q++) {
            int32_t r = rows[q];
            const uint8_t *c = codes + (size_t)r * d;
            const double *x = rs + (size_t)r * S0;
            for (int a = a0; a < a1; a++) {
                int f = active[a];
                double *b = h + ((size_t)f * nb + c[f]) * S;
                for (int k = 0; k < S0; k++) b[k] += x[k];
                b[S0] += 1.0;
            }
        }
    }
}

/* Threads for a histogram of m rows built on its own: a parallel region
 * must carry enough work (>~50 us) to pay for its barrier. */
int pyml_tree_hist_threads(const grower *g, int32_t m)
{
    int na = g->n_active, nthr = g->n_threads;
    if (m < 8192 || (long)m * na < 131072) nthr = 1;
    return nthr > na ? (na > 0 ? na : 1) : nthr;
}

/* Histogram of a node (OpenMP over feature ranges for big nodes). */
void pyml_tree_hist_build(grower *g, int32_t start, int32_t end, double *h)
{
    int na = g->n_active;
    int nthr = pyml_tree_hist_threads(g, end - start);
#pragma omp parallel num_threads(nthr) if (nthr > 1)
    {
        const int t = thread_id(), nt = team_size();
        pyml_tree_hist_accum(g, start, end, h, (int)((long)na * t / nt), (int)((long)na * (t + 1) / nt));
    }
}

/* Per-feature best splits of a node over features feats[i0:i1): for scan
 * position i, the gain and bin of the feature's first best cut go to
 * fgain/fbin at slot * d + i. Ranges of positions are disjoint, so threads
 * that share a node fill one slot side by side; nodes searched at the same
 * time use different slots (see tree_grow.h); pick_split then chooses among
 * the features. */
void pyml_tree_scan_features(grower *g, int32_t node, const int32_t *feats, int i0, int i1, int slot)
{
    const pyml_tree_data *D = g->D;
    int S = g->S, Sh = g->Sh, nb = D->nb_max;
    const double *P = g->nstats + (size_t)node * S;
    const double *h = g->hist + (size_t)g->nslot[node] * g->hist_elems;
    double *L = g->scratch + (size_t)4 * S * thread_id(), *R = L + S;
    double total = P[S - 1];
    const size_t base_slot = (size_t)slot * (size_t)D->d;
    for (int i = i0; i < i1; i++) {
        int f = feats[i];
        const double *hf = h + (size_t)f * nb * Sh;
        int nbf = D->nbins[f];
        double best = -INFINITY;
        int best_bin = -1;
        memset(L, 0, sizeof(double) * S);
        int last = nbf - 1; /* splits after the last non-empty bin leave the right side empty */
        if (Sh != S) {
            while (last > 0 && hf[(size_t)last * Sh + 1] == 0) last--;
            /* Count-free newton scan: maximise G_L^2/(H_L+l) + G_R^2/(H_R+l);
             * the parent's term and gamma are constant within the node. */
            const double lam = g->P->reg_lambda, mcw = g->P->min_child_weight;
            const double Gp = P[0], Hp = P[1];
            const double base = Gp * Gp / (Hp + lam);
            double GL = 0, HL = 0, fbest = -INFINITY;
            int bbest = -1;
            for (int b = 0; b < last; b++) {
                double hh = hf[2 * (size_t)b + 1];
                if (hh == 0) continue;
                GL += hf[2 * (size_t)b];
                HL += hh;
                double GR = Gp - GL, HR = Hp - HL;
                if (HL < mcw) continue;
                if (HR < mcw) break; /* H_R only shrinks from here on */
                double sc = GL * GL / (HL + lam) + GR * GR / (HR + lam);
                if (sc > fbest) {
                    fbest = sc;
                    bbest = b;
                }
            }
            if (bbest >= 0) {
                best = 0.5 * (fbest - base) - g->P->gamma;
                best_bin = bbest;
            }
            g->fgain[base_slot + i] = best;
            g->fbin[base_slot + i] = best_bin;
            continue;
        }
        for (int b = 0; b < last; b++) {
            const double *hb = hf + (size_t)b * Sh;
            if (Sh != S) {
                if (hb[1] == 0) continue;
                L[0] += hb[0];
                L[1] += hb[1];
            } else {
                if (hb[S - 1] == 0) continue;
                for (int k = 0; k < S; k++) L[k] += hb[k];
                if (L[S - 1] >= total) break;
            }
            for (int k = 0; k < S; k++) R[k] = P[k] - L[k];
            R[S - 1] = Sh != S ? 1.0 : total - L[S - 1];
            double gn = split_gain(g, P, L, R);
            if (gn > best) {
                best = gn;
                best_bin = b;
            }
        }
        g->fgain[base_slot + i] = best;
        g->fbin[base_slot + i] = best_bin;
    }
}

/* Relative margin within which two features' gains count as equal. Features
 * that cut the rows identically get gains a few ulps apart (their sums run
 * over different bins; w g summed once versus g added w times), and the exact
 * gain would choose between them by rounding: then integer weights would not
 * equal repeated rows. */
#define GAIN_TIE_RTOL 1e-11

/* The left statistics of cutting feature f after bin b: the sums of the scan
 * above, in its order (bins with no weight skipped), so the bits are those
 * the gain was computed from. */
static void left_stats(const grower *g, int32_t node, int f, int b, double *L)
{
    const int S = g->S, Sh = g->Sh;
    const double *hf = g->hist + (size_t)g->nslot[node] * g->hist_elems + (size_t)f * g->D->nb_max * Sh;
    memset(L, 0, sizeof(double) * S);
    if (Sh != S) { /* newton: G_L, H_L, and 1 (no counts) */
        for (int q = 0; q <= b; q++) {
            if (hf[2 * (size_t)q + 1] == 0) continue;
            L[0] += hf[2 * (size_t)q];
            L[1] += hf[2 * (size_t)q + 1];
        }
        L[2] = 1.0;
        return;
    }
    for (int q = 0; q <= b; q++) {
        const double *hb = hf + (size_t)q * Sh;
        if (hb[S - 1] == 0) continue;
        for (int k = 0; k < S; k++) L[k] += hb[k];
    }
}

/* The split of a node from the per-feature bests of scan positions [0, nf)
 * of a slot: the largest gain M, then the first feature in scan order within
 * GAIN_TIE_RTOL |M| of it. Both steps see every feature, so the choice is the
 * same for any thread count. bestL receives the chosen left statistics. */
void pyml_tree_pick_split(grower *g, int32_t node, const int32_t *feats, int nf, int slot, split_cand *cand,
                          double *bestL)
{
    const pyml_tree_data *D = g->D;
    const size_t base_slot = (size_t)slot * (size_t)D->d;
    const double *fg = g->fgain + base_slot;
    double M = -INFINITY;
    for (int i = 0; i < nf; i++)
        if (fg[i] > M) M = fg[i];
    cand->feat = -1;
    cand->bin = -1;
    cand->thr = 0.0;
    cand->gain = M;
    if (!(M > -INFINITY)) return;
    const double floor_gain = M - GAIN_TIE_RTOL * fabs(M);
    for (int i = 0; i < nf; i++) {
        if (!(fg[i] >= floor_gain)) continue;
        int f = feats[i], b = g->fbin[base_slot + i];
        cand->feat = f;
        cand->bin = b;
        cand->thr = D->edges[D->edge_off[f] + b];
        cand->gain = fg[i];
        left_stats(g, node, f, b, bestL);
        return;
    }
}
