// SPDX-License-Identifier: GPL-2.0
/*
 * A UDP flow made twice at once. Until one of its entries is confirmed,
 * conntrack gives each packet of a new flow an entry of its own; when two
 * race (one NAPI batch, two CPUs), the later to be confirmed is dropped and
 * its packet goes on with the winner's entry (clash resolution). A call the
 * helper noted on the dropped entry is forgotten while the server still
 * answers it, and that reply would be taken for the answer to the winner's
 * call. So neither a flow whose first packet had a twin, nor the twin, is
 * trusted: a client asking one thing at a time never races itself.
 *
 * A twin is either confirmed already, found in the table, or between the
 * helper and confirmation on another CPU, found among the entries whose
 * first packet the helper read and which are not confirmed yet.
 */
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "rpc_conn.h"

struct nf_conn *imgsec_rpc_clash_winner(const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple_hash *h;

	h = nf_conntrack_find_get(nf_ct_net(ct), nf_ct_zone(ct),
				  &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple);
	return h ? nf_ct_tuplehash_to_ctrack(h) : NULL;
}

static void imgsec_rpc_clash_untrust(struct imgsec_net *in, struct nf_conn *ct)
{
	struct nf_conn_help *help = nfct_help(ct);
	struct imgsec_rpc_help *rh;

	if (!help || !imgsec_rpc_is_ours(rcu_dereference(help->helper)))
		return;
	rh = nfct_help_data(ct);
	if (rh->udp.untrusted)
		return;
	rh->udp.untrusted = true;
	imgsec_rpc_count(in, IMGSEC_RPC_STATS_A_UNTRUSTED);
}

static bool imgsec_rpc_same_flow(const struct nf_conn *a,
				 const struct nf_conn *b)
{
	return nf_ct_tuple_equal(&a->tuplehash[IP_CT_DIR_ORIGINAL].tuple,
				 &b->tuplehash[IP_CT_DIR_ORIGINAL].tuple) &&
	       nf_ct_zone_equal_any(a, nf_ct_zone(b));
}

/* Confirmed (the table finds it now), or dropped: our reference is all. */
static bool imgsec_rpc_clash_landed(const struct nf_conn *ct)
{
	return nf_ct_is_confirmed(ct) ||
	       refcount_read(&ct->ct_general.use) == 1;
}

bool imgsec_rpc_clash(struct imgsec_net *in, struct nf_conn *ct,
		      struct nf_conn *winner)
{
	struct nf_conn **unconfirmed = in->rpc.unconfirmed;
	unsigned int i, room = IMGSEC_RPC_UNCONFIRMED;
	bool twin = false;

	lockdep_assert_held(&in->rpc.lock);
	if (winner) {
		imgsec_rpc_clash_untrust(in, winner);
		twin = true;
	}
	for (i = 0; i < IMGSEC_RPC_UNCONFIRMED; i++) {
		struct nf_conn *other = unconfirmed[i];

		if (!other) {
			room = i;
			continue;
		}
		if (other != ct && imgsec_rpc_same_flow(other, ct)) {
			imgsec_rpc_clash_untrust(in, other);
			twin = true;
		}
		if (imgsec_rpc_clash_landed(other)) {
			nf_ct_put(other);
			unconfirmed[i] = NULL;
			room = i;
		}
	}
	/* More first packets at once than kept track of: cannot vouch. */
	if (room == IMGSEC_RPC_UNCONFIRMED)
		return true;
	nf_conntrack_get(&ct->ct_general);
	unconfirmed[room] = ct;
	return twin;
}

/* Lets every entry go, with rn->lock held. */
void imgsec_rpc_clash_exit(struct imgsec_rpc_net *rn)
{
	unsigned int i;

	for (i = 0; i < IMGSEC_RPC_UNCONFIRMED; i++) {
		if (rn->unconfirmed[i])
			nf_ct_put(rn->unconfirmed[i]);
		rn->unconfirmed[i] = NULL;
	}
}
