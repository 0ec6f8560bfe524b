// SPDX-License-Identifier: GPL-2.0
/*
 * The policy hook: established and related traffic passes, a new
 * connection passes if a rule allows it (and gets the rule's conntrack
 * helper), anything else meets the default action, or is only logged and
 * counted in monitor mode. Registered in a namespace only while it has a
 * policy, so loading the module changes nothing, and only on the hooks
 * the policy's placement uses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_seqadj.h>

#include "classify.h"
#include "imgsec.h"

/* An ICMP or ICMPv6 message's type stands for its destination port. */
static void imgsec_read_icmp_type(const struct sk_buff *skb,
				  unsigned int thoff, struct imgsec_pkt *pkt)
{
	const u8 *type;
	u8 _type;

	type = skb_header_pointer(skb, thoff, sizeof(_type), &_type);
	if (!type)
		return;
	pkt->sport = 0;
	pkt->dport = *type;
	pkt->has_ports = true;
}

/*
 * A TCP segment other than a connection's first SYN: conntrack, loose by
 * default, picks such a connection up in the middle (one open before the
 * first policy), with this packet's direction as the original one.
 */
static void imgsec_read_tcp_flags(const struct sk_buff *skb,
				  unsigned int thoff, struct imgsec_pkt *pkt)
{
	const struct tcphdr *th;
	struct tcphdr _th;

	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	pkt->tcp_midstream = th && (!th->syn || th->ack);
	pkt->tcp_data = th && skb->len > thoff + th->doff * 4;
}

static void imgsec_read_ports(const struct sk_buff *skb, unsigned int thoff,
			      struct imgsec_pkt *pkt)
{
	__be16 _ports[2];
	const __be16 *ports;

	/* ICMP over IPv6 or ICMPv6 over IPv4 is no message of either. */
	if (pkt->proto == (pkt->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		imgsec_read_icmp_type(skb, thoff, pkt);
		return;
	}
	if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP)
		return;
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (!ports)
		return;
	pkt->sport = ntohs(ports[0]);
	pkt->dport = ntohs(ports[1]);
	pkt->has_ports = true;
	if (pkt->proto == IPPROTO_TCP)
		imgsec_read_tcp_flags(skb, thoff, pkt);
}

/*
 * IGMP keeps multicast group membership working, as MLD does for IPv6: it
 * is exempt on this host's own input and output only, and only as sent on
 * the link (RFC 3376 4: TTL 1, to a multicast group, which no router
 * forwards to here), never on a router.
 */
static bool imgsec_igmp_exempt(const struct iphdr *iph, unsigned int hook)
{
	return (hook == NF_INET_LOCAL_IN || hook == NF_INET_LOCAL_OUT) &&
	       iph->ttl == 1 && ipv4_is_multicast(iph->daddr);
}

/* False for a packet that passes unfiltered (see above). */
static bool imgsec_parse_ipv4(const struct sk_buff *skb, unsigned int hook,
			      struct imgsec_pkt *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);

	pkt->family = 4;
	pkt->proto = iph->protocol;
	pkt->saddr = (const u8 *)&iph->saddr;
	pkt->daddr = (const u8 *)&iph->daddr;
	if (pkt->proto == IPPROTO_IGMP && imgsec_igmp_exempt(iph, hook))
		return false;
	/* Conntrack defragments; a later fragment here carries no ports. */
	if (!(ntohs(iph->frag_off) & IP_OFFSET))
		imgsec_read_ports(skb, ip_hdrlen(skb), pkt);
	return true;
}

/*
 * Neighbour discovery and MLD keep IPv6 working and conntrack does not
 * track them. They are exempt on this host's own input and output only,
 * never on a router: ND only as sent on the link (hop limit 255, RFC 4861),
 * MLD only from a link-local source, or none yet (RFC 3810 5.2.13).
 */
static bool imgsec_icmpv6_exempt(const struct sk_buff *skb, int thoff,
				 unsigned int hook)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const u8 *type;
	int addr_type;
	u8 _type;

	if (hook != NF_INET_LOCAL_IN && hook != NF_INET_LOCAL_OUT)
		return false;
	type = skb_header_pointer(skb, thoff, sizeof(_type), &_type);
	if (!type)
		return false;
	switch (*type) {
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
		return ip6h->hop_limit == 255;
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case ICMPV6_MLD2_REPORT:
		addr_type = ipv6_addr_type(&ip6h->saddr);
		return addr_type == IPV6_ADDR_ANY ||
		       (addr_type & IPV6_ADDR_LINKLOCAL);
	default:
		return false;
	}
}

/* False for a packet that passes unfiltered (see above). */
static bool imgsec_parse_ipv6(const struct sk_buff *skb, unsigned int hook,
			      struct imgsec_pkt *pkt)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int thoff;

	pkt->family = 6;
	pkt->saddr = ip6h->saddr.s6_addr;
	pkt->daddr = ip6h->daddr.s6_addr;
	thoff = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (thoff < 0 || (frag_off & htons(~0x7)))
		return true;
	pkt->proto = nexthdr;
	if (nexthdr == IPPROTO_ICMPV6 && imgsec_icmpv6_exempt(skb, thoff, hook))
		return false;
	imgsec_read_ports(skb, thoff, pkt);
	return true;
}

/*
 * While a policy of another placement takes over, or may be restored by a
 * pending revert, the hooks of both placements are in place.
 */
static bool imgsec_hook_active(u8 placement, unsigned int hook)
{
	if (placement == IMGSEC_PLACEMENT_GATEWAY)
		return hook == NF_INET_FORWARD;
	return hook == NF_INET_LOCAL_IN || hook == NF_INET_LOCAL_OUT;
}

static bool imgsec_is_loopback(const struct nf_hook_state *state)
{
	return (state->in && state->in->flags & IFF_LOOPBACK) ||
	       (state->out && state->out->flags & IFF_LOOPBACK);
}

/*
 * Give a new connection the helper its rule names, as nft "ct helper"
 * does: with the sequence adjustment a helper that rewrites payload (ftp
 * behind DNAT or REDIRECT, set up before this hook) needs. Returns the
 * verdict: a connection that cannot get it is dropped, as by nft.
 */
static unsigned int imgsec_attach_helper(const struct imgsec_policy *p,
					 u8 helper, struct nf_conn *ct,
					 const struct imgsec_pkt *pkt)
{
	struct nf_conntrack_helper *h = NULL;
	struct nf_conn_help *help;

	if (!ct || nf_ct_is_confirmed(ct) || nf_ct_is_template(ct) ||
	    test_bit(IPS_HELPER_BIT, &ct->status))
		return NF_ACCEPT;
	if (helper == IMGSEC_HELPER_RPC)
		h = imgsec_rpc_helper(pkt->family, pkt->proto);
	else if (helper == IMGSEC_HELPER_FTP && pkt->proto == IPPROTO_TCP)
		h = p->ftp[pkt->family == 6];
	if (!h)
		return NF_ACCEPT;
	/* Unread, a call could still reach the server (rpc_clash.c). */
	help = nf_ct_helper_ext_add(ct, GFP_ATOMIC);
	if (!help)
		return NF_DROP;
	rcu_assign_pointer(help->helper, h);
	/*
	 * Attached explicitly, marked so as ctnetlink and the CT target
	 * mark theirs. Before 6.0, NAT set up after this hook (masquerade
	 * at POSTROUTING) calls __nf_ct_try_assign_helper() from
	 * nf_conntrack_alter_reply(): on an entry without the bit it looks
	 * for a helper to assign automatically, which is off, and clears
	 * help->helper: the helper would see no packet of the connection.
	 */
	set_bit(IPS_HELPER_BIT, &ct->status);
	if ((ct->status & IPS_NAT_MASK) && !nfct_seqadj(ct) &&
	    !nfct_seqadj_ext_add(ct))
		return NF_DROP;
	return NF_ACCEPT;
}

static void imgsec_reject(struct sk_buff *skb, const struct imgsec_pkt *pkt,
			  const struct nf_hook_state *state)
{
	if (pkt->family == 4 && pkt->proto == IPPROTO_TCP)
		nf_send_reset(state->net, state->sk, skb, state->hook);
	else if (pkt->family == 4)
		nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
	else if (pkt->proto == IPPROTO_TCP)
		nf_send_reset6(state->net, state->sk, skb, state->hook);
	else
		nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
				 state->hook);
}

/*
 * The policy's default action, or in monitor mode its report. @may_reject:
 * false for a packet of a connection conntrack may only have misjudged,
 * which a reset would kill.
 */
static unsigned int imgsec_refuse(struct imgsec_net *in,
				  const struct imgsec_policy *p,
				  struct sk_buff *skb,
				  const struct imgsec_pkt *pkt,
				  const struct nf_hook_state *state,
				  bool may_reject)
{
	bool monitor = p->desc.mode == IMGSEC_MODE_MONITOR;

	imgsec_report_drop(in, skb, state, pkt, monitor);
	if (monitor) {
		imgsec_count(in, IMGSEC_STATS_A_WOULD_DROP);
		return NF_ACCEPT;
	}
	imgsec_count(in, IMGSEC_STATS_A_DROPPED);
	if (may_reject && p->desc.default_action == IMGSEC_ACTION_REJECT)
		imgsec_reject(skb, pkt, state);
	return NF_DROP;
}

/* Local output may run preemptible: this_cpu ops, not this_cpu_ptr(). */
static void imgsec_rule_hit(const struct imgsec_policy *p, int rule,
			    const struct sk_buff *skb)
{
	this_cpu_inc(p->counters[rule].packets);
	this_cpu_add(p->counters[rule].bytes, skb->len);
}

/*
 * Whether the packet opens a connection, the one a rule's limit charges:
 * its entry not confirmed yet (a retransmitted SYN, or the next datagram
 * of a flow with no reply, finds it confirmed), or a packet conntrack
 * found invalid that could open one. Never a connection picked up in the
 * middle: it was open before.
 */
static bool imgsec_opens(const struct nf_conn *ct,
			 const struct imgsec_pkt *pkt)
{
	return !pkt->tcp_midstream && (!ct || !nf_ct_is_confirmed(ct));
}

/*
 * A new connection over its rule's limit, or (@why) one of its source's
 * per-source limits under the rule: counted for the rule and the
 * namespace, reported, and met by the default action; in monitor mode it
 * goes on as the rule allows (NF_ACCEPT: the caller goes on). @may_reject
 * as for imgsec_refuse().
 */
static unsigned int imgsec_over_limit(struct imgsec_net *in,
				      const struct imgsec_policy *p,
				      struct sk_buff *skb,
				      const struct imgsec_pkt *pkt,
				      const struct nf_hook_state *state,
				      int rule, bool may_reject,
				      enum imgsec_admit why)
{
	bool monitor = p->desc.mode == IMGSEC_MODE_MONITOR;
	u8 limit;

	switch (why) {
	case IMGSEC_ADMIT_SOURCE:
		this_cpu_inc(p->counters[rule].source_limited);
		imgsec_count(in, IMGSEC_STATS_A_SOURCE_LIMITED);
		limit = IMGSEC_LIMIT_SOURCE_RATE;
		break;
	case IMGSEC_ADMIT_CAP:
		imgsec_policy_source_capped_inc(p, rule);
		imgsec_count(in, IMGSEC_STATS_A_SOURCE_CAPPED);
		limit = IMGSEC_LIMIT_SOURCE_MAX;
		break;
	default:
		this_cpu_inc(p->counters[rule].limited);
		imgsec_count(in, IMGSEC_STATS_A_LIMITED);
		limit = IMGSEC_LIMIT_RULE;
	}
	imgsec_report_limit(in, skb, state, pkt, monitor, rule, p->generation,
			    limit);
	if (monitor)
		return NF_ACCEPT;
	if (may_reject && p->desc.default_action == IMGSEC_ACTION_REJECT)
		imgsec_reject(skb, pkt, state);
	return NF_DROP;
}

/*
 * A connection picked up in the middle that no rule allows this way. This
 * host's own segment may be the server's side of a connection a rule
 * allows the other way (an SSH session open before the first policy, the
 * server speaking first): it passes, and the entry then knows the flow.
 * Anything else is dropped, never reset: the session may be one the
 * policy allows, whose client's next segment sets the entry right.
 */
static unsigned int imgsec_midstream(struct imgsec_net *in,
				     const struct imgsec_policy *p,
				     struct sk_buff *skb,
				     const struct imgsec_pkt *pkt,
				     const struct nf_hook_state *state,
				     const struct nf_conn *ct)
{
	int rule = -1;

	if (state->hook == NF_INET_LOCAL_OUT)
		rule = imgsec_classify(p->cls, pkt->family, pkt->daddr,
				       pkt->saddr, pkt->proto, pkt->sport);
	if (rule < 0)
		return imgsec_refuse(in, p, skb, pkt, state, false);
	/* Counted against its client's cap (imgsec_policy_admit_pickup()). */
	if (!nf_ct_is_confirmed(ct) &&
	    imgsec_policy_admit_pickup(p, rule, skb, ct, pkt->family,
				       pkt->daddr) == IMGSEC_ADMIT_CAP &&
	    imgsec_over_limit(in, p, skb, pkt, state, rule, false,
			      IMGSEC_ADMIT_CAP) == NF_DROP)
		return NF_DROP;
	imgsec_count(in, IMGSEC_STATS_A_ACCEPTED);
	imgsec_rule_hit(p, rule, skb);
	return NF_ACCEPT;
}

/*
 * A TCP entry conntrack saw closed: a RST (CLOSE), or FINs both ways and
 * the last ACK (TIME_WAIT). Its source's cap no longer counts it
 * (nf_conncount forgets such connections), yet its ends may not have
 * closed: a RST or FIN that the receiving stack drops after conntrack has
 * seen it (an IP option it refuses, a source address it finds forged)
 * closes the connection for conntrack only, and each segment after it
 * keeps that entry alive. Read without the entry's lock, as nf_conncount
 * reads it: a state that changes under us is read again with the next
 * segment.
 */
static bool imgsec_tcp_closed(const struct nf_conn *ct)
{
	u8 st;

	if (nf_ct_protonum(ct) != IPPROTO_TCP)
		return false;
	st = READ_ONCE(ct->proto.tcp.state);
	return st == TCP_CONNTRACK_CLOSE || st == TCP_CONNTRACK_TIME_WAIT;
}

/*
 * A segment of a connection conntrack knows (@ct, @ctinfo not new) whose
 * entry says closed (imgsec_tcp_closed()). Data on it, under a rule that
 * caps its source's connections, would be an open connection the cap
 * cannot see: refused, dropped (never reset: it is no new connection).
 * No closed connection carries data (all of it was acknowledged before
 * the last FIN's ACK, a RST ends it), so nothing that works is lost, and
 * the client's next segment after the entry expires is picked up and
 * counted (imgsec_policy_admit_pickup()). Anything else goes on as any
 * established packet.
 */
static unsigned int imgsec_closed_tcp(struct imgsec_net *in,
				      const struct imgsec_policy *p,
				      struct sk_buff *skb,
				      const struct nf_hook_state *state,
				      enum ip_conntrack_info ctinfo)
{
	struct imgsec_pkt pkt = {};
	int rule = -1;
	bool parsed;

	parsed = state->pf == NFPROTO_IPV4 ?
		 imgsec_parse_ipv4(skb, state->hook, &pkt) :
		 imgsec_parse_ipv6(skb, state->hook, &pkt);
	if (parsed && pkt.has_ports && pkt.tcp_data) {
		if (CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY)
			rule = imgsec_classify(p->cls, pkt.family, pkt.daddr,
					       pkt.saddr, pkt.proto, pkt.sport);
		else
			rule = imgsec_classify(p->cls, pkt.family, pkt.saddr,
					       pkt.daddr, pkt.proto, pkt.dport);
	}
	if (imgsec_policy_rule_capped(p, rule))
		return imgsec_refuse(in, p, skb, &pkt, state, false);
	imgsec_count(in, IMGSEC_STATS_A_ESTABLISHED);
	return NF_ACCEPT;
}

static unsigned int imgsec_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct imgsec_net *in = imgsec_net(state->net);
	const struct imgsec_policy *p = rcu_dereference(in->policy);
	enum ip_conntrack_info ctinfo;
	struct imgsec_pkt pkt = {};
	struct nf_conn *ct;
	int rule = -1;

	if (!p || !imgsec_hook_active(p->desc.placement, state->hook))
		return NF_ACCEPT;
	if (imgsec_is_loopback(state)) {
		imgsec_count(in, IMGSEC_STATS_A_UNFILTERED);
		return NF_ACCEPT;
	}
	ct = nf_ct_get(skb, &ctinfo);
	if (ct && ctinfo != IP_CT_NEW && p->sources && imgsec_tcp_closed(ct))
		return imgsec_closed_tcp(in, p, skb, state, ctinfo);
	if (ct && ctinfo != IP_CT_NEW) {
		imgsec_count(in, IMGSEC_STATS_A_ESTABLISHED);
		return NF_ACCEPT;
	}

	if (state->pf == NFPROTO_IPV4 ?
	    !imgsec_parse_ipv4(skb, state->hook, &pkt) :
	    !imgsec_parse_ipv6(skb, state->hook, &pkt)) {
		imgsec_count(in, IMGSEC_STATS_A_UNFILTERED);
		return NF_ACCEPT;
	}
	if (!ct)
		imgsec_count(in, IMGSEC_STATS_A_INVALID);

	if (pkt.has_ports)
		rule = imgsec_classify(p->cls, pkt.family, pkt.saddr,
				       pkt.daddr, pkt.proto, pkt.dport);
	if (rule < 0 && ct && pkt.tcp_midstream)
		return imgsec_midstream(in, p, skb, &pkt, state, ct);
	if (rule < 0)
		return imgsec_refuse(in, p, skb, &pkt, state, true);
	/*
	 * Conntrack found it invalid (no entry), so the entry's helper never
	 * sees it; the server's stack may still take its data (a SACK block
	 * past the window does that). What a helper does not see, its rule
	 * does not let pass; dropped, not reset.
	 */
	if (!ct && p->desc.rules[rule].helper != IMGSEC_HELPER_NONE)
		return imgsec_refuse(in, p, skb, &pkt, state, false);

	/*
	 * Only the limit that refuses a new connection is charged for it
	 * (imgsec_policy_admit_conn()). In monitor mode it passes: the
	 * limits are charged as enforce mode would charge them, and a
	 * connection over its source's cap is counted by nf_conncount while
	 * it lives.
	 */
	if (imgsec_opens(ct, &pkt)) {
		enum imgsec_admit why = imgsec_policy_admit_conn(p, rule, skb,
								 ct, pkt.family,
								 pkt.saddr);

		if (why != IMGSEC_ADMIT_PASS &&
		    imgsec_over_limit(in, p, skb, &pkt, state, rule, ct,
				      why) == NF_DROP)
			return NF_DROP;
	} else if (ct && !nf_ct_is_confirmed(ct) &&
		   imgsec_policy_admit_pickup(p, rule, skb, ct, pkt.family,
					      pkt.saddr) == IMGSEC_ADMIT_CAP &&
		   imgsec_over_limit(in, p, skb, &pkt, state, rule, false,
				     IMGSEC_ADMIT_CAP) == NF_DROP) {
		/* Picked up in the middle over its source's cap. */
		return NF_DROP;
	}

	imgsec_count(in, IMGSEC_STATS_A_ACCEPTED);
	imgsec_rule_hit(p, rule, skb);
	return imgsec_attach_helper(p, p->desc.rules[rule].helper, ct, &pkt);
}

/* After the filter chains, before SNAT: see <linux/imgsec.h>. */
#define IMGSEC_HOOK(fam, num) {				\
	.hook = imgsec_hook,				\
	.pf = fam,					\
	.hooknum = num,					\
	.priority = IMGSEC_HOOK_PRIORITY,		\
}

/*
 * The hooks of each placement, registered only while a policy of that
 * placement is in force (or may be restored by a pending revert): a host
 * policy costs forwarded traffic no call, a gateway policy costs this
 * host's own traffic none.
 */
static const struct nf_hook_ops imgsec_host_ops[] = {
	IMGSEC_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	IMGSEC_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	IMGSEC_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	IMGSEC_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
};

static const struct nf_hook_ops imgsec_gateway_ops[] = {
	IMGSEC_HOOK(NFPROTO_IPV4, NF_INET_FORWARD),
	IMGSEC_HOOK(NFPROTO_IPV6, NF_INET_FORWARD),
};

static const struct {
	const struct nf_hook_ops *ops;
	unsigned int n;
} imgsec_placement_hooks[__IMGSEC_PLACEMENT_MAX] = {
	[IMGSEC_PLACEMENT_HOST] = {
		imgsec_host_ops, ARRAY_SIZE(imgsec_host_ops)
	},
	[IMGSEC_PLACEMENT_GATEWAY] = {
		imgsec_gateway_ops, ARRAY_SIZE(imgsec_gateway_ops)
	},
};

/*
 * Conntrack first: the hook decides on connection state. Once on, it stays
 * on until the namespace or the module goes (imgsec_conntrack_release()),
 * also while no policy is set: entries keep following their flows, so a
 * later policy finds them in their windows, not stale and invalid.
 *
 * Then @placement's hooks, unless they are in place. Under in->lock.
 * nf_register_net_hooks() takes back the ones it registered when one
 * fails: on error, the namespace's hooks are as they were.
 */
int imgsec_hooks_register(struct imgsec_net *in, u8 placement)
{
	int ret;

	lockdep_assert_held(&in->lock);
	if (!in->conntrack_held) {
		ret = nf_ct_netns_get(in->net, NFPROTO_INET);
		if (ret < 0)
			return ret;
		in->conntrack_held = true;
	}
	if (in->hooks & BIT(placement))
		return 0;
	ret = nf_register_net_hooks(in->net,
				    imgsec_placement_hooks[placement].ops,
				    imgsec_placement_hooks[placement].n);
	if (ret < 0)
		return ret;
	in->hooks |= BIT(placement);
	return 0;
}

/*
 * Take out the hooks of every placement not in @keep (a mask of
 * BIT(placement)). Under in->lock, once no policy they serve is in force.
 * nf_unregister_net_hooks() does not wait for the hook's callers (the
 * entries go with call_rcu()): one already in it may still run on another
 * CPU after this returns, under RCU. It finds the policy in force inactive
 * on its hook, or none, and returns before touching anything: what it
 * reads (in, the policy, this module's code) outlives the grace period
 * (imgsec_policy_publish() waits for one before the old policy goes; the
 * namespace's and the module's memory go after others).
 */
void imgsec_hooks_unregister(struct imgsec_net *in, unsigned int keep)
{
	unsigned int placement;

	lockdep_assert_held(&in->lock);
	for (placement = 0; placement < __IMGSEC_PLACEMENT_MAX; placement++) {
		if (!(in->hooks & BIT(placement)) || (keep & BIT(placement)))
			continue;
		nf_unregister_net_hooks(in->net,
					imgsec_placement_hooks[placement].ops,
					imgsec_placement_hooks[placement].n);
		in->hooks &= ~BIT(placement);
	}
}

void imgsec_conntrack_release(struct imgsec_net *in)
{
	if (in->conntrack_held)
		nf_ct_netns_put(in->net, NFPROTO_INET);
	in->conntrack_held = false;
}
