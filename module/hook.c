// SPDX-License-Identifier: GPL-2.0
/*
 * The policy hook: established and related traffic passes, a new
 * connection passes if a rule allows it (and gets the rule's conntrack
 * helper), anything else meets the default action, or is only logged and
 * counted in monitor mode. Registered in a namespace only while it has a
 * policy, so loading the module changes nothing.
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
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_helper.h>

#include "classify.h"
#include "imgsec.h"

/* What the classifier needs of a packet. */
struct imgsec_pkt {
	u8 family;		/* 4 or 6 */
	u8 proto;
	bool has_ports;
	bool unfiltered;	/* IPv6 neighbour discovery and MLD */
	const u8 *saddr;
	const u8 *daddr;
	u16 sport;
	u16 dport;
};

static void imgsec_read_ports(const struct sk_buff *skb, unsigned int thoff,
			      struct imgsec_pkt *pkt)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP)
		return;
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (!ports)
		return;
	pkt->sport = ntohs(ports[0]);
	pkt->dport = ntohs(ports[1]);
	pkt->has_ports = true;
}

static void imgsec_parse_ipv4(const struct sk_buff *skb, struct imgsec_pkt *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);

	pkt->family = 4;
	pkt->proto = iph->protocol;
	pkt->saddr = (const u8 *)&iph->saddr;
	pkt->daddr = (const u8 *)&iph->daddr;
	/* Conntrack defragments; a later fragment here carries no ports. */
	if (!(ntohs(iph->frag_off) & IP_OFFSET))
		imgsec_read_ports(skb, ip_hdrlen(skb), pkt);
}

/* Without these IPv6 stops working; conntrack does not track them. */
static bool imgsec_icmpv6_unfiltered(u8 type)
{
	return (type >= ICMPV6_MGM_QUERY && type <= NDISC_REDIRECT) ||
	       type == ICMPV6_MLD2_REPORT;
}

static void imgsec_parse_ipv6(const struct sk_buff *skb, struct imgsec_pkt *pkt)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	u8 _type;
	const u8 *type;
	int thoff;

	pkt->family = 6;
	pkt->saddr = ip6h->saddr.s6_addr;
	pkt->daddr = ip6h->daddr.s6_addr;
	thoff = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (thoff < 0 || (frag_off & htons(~0x7)))
		return;
	pkt->proto = nexthdr;
	if (nexthdr == IPPROTO_ICMPV6) {
		type = skb_header_pointer(skb, thoff, sizeof(_type), &_type);
		pkt->unfiltered = type && imgsec_icmpv6_unfiltered(*type);
		return;
	}
	imgsec_read_ports(skb, thoff, pkt);
}

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

/* Give a new connection the helper its rule names, as nft "ct helper". */
static void imgsec_attach_helper(const struct imgsec_policy *p, u8 helper,
				 struct nf_conn *ct, const struct imgsec_pkt *pkt)
{
	struct nf_conntrack_helper *h = NULL;
	struct nf_conn_help *help;

	if (!ct || nf_ct_is_confirmed(ct) || nf_ct_is_template(ct) ||
	    test_bit(IPS_HELPER_BIT, &ct->status))
		return;
	if (helper == IMGSEC_HELPER_RPC)
		h = imgsec_rpc_helper(pkt->family, pkt->proto);
	else if (helper == IMGSEC_HELPER_FTP && pkt->proto == IPPROTO_TCP)
		h = p->ftp[pkt->family == 6];
	if (!h)
		return;
	help = nf_ct_helper_ext_add(ct, GFP_ATOMIC);
	if (help)
		rcu_assign_pointer(help->helper, h);
}

static void imgsec_log(const struct imgsec_pkt *pkt,
		       const struct nf_hook_state *state, bool monitor)
{
	const char *what = monitor ? "would drop" : "drop";
	const char *dev = state->in ? state->in->name :
			  state->out ? state->out->name : "";

	if (!net_ratelimit())
		return;
	if (pkt->family == 4)
		pr_info("%s %s proto %u %pI4:%u -> %pI4:%u\n", what, dev,
			pkt->proto, pkt->saddr, pkt->sport, pkt->daddr,
			pkt->dport);
	else
		pr_info("%s %s proto %u [%pI6c]:%u -> [%pI6c]:%u\n", what, dev,
			pkt->proto, pkt->saddr, pkt->sport, pkt->daddr,
			pkt->dport);
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

static unsigned int imgsec_no_match(struct imgsec_net *in,
				    const struct imgsec_policy *p,
				    struct sk_buff *skb,
				    const struct imgsec_pkt *pkt,
				    const struct nf_hook_state *state)
{
	bool monitor = p->desc.mode == IMGSEC_MODE_MONITOR;

	imgsec_log(pkt, state, monitor);
	imgsec_event_drop(state->net, pkt->family, pkt->saddr, pkt->daddr,
			  pkt->proto, pkt->sport, pkt->dport, monitor);
	if (monitor) {
		imgsec_count(in, IMGSEC_STATS_A_WOULD_DROP);
		return NF_ACCEPT;
	}
	imgsec_count(in, IMGSEC_STATS_A_DROPPED);
	if (p->desc.default_action == IMGSEC_ACTION_REJECT)
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
	if (ct && ctinfo != IP_CT_NEW) {
		imgsec_count(in, IMGSEC_STATS_A_ESTABLISHED);
		return NF_ACCEPT;
	}

	if (state->pf == NFPROTO_IPV4)
		imgsec_parse_ipv4(skb, &pkt);
	else
		imgsec_parse_ipv6(skb, &pkt);
	if (pkt.unfiltered) {
		imgsec_count(in, IMGSEC_STATS_A_UNFILTERED);
		return NF_ACCEPT;
	}
	if (!ct)
		imgsec_count(in, IMGSEC_STATS_A_INVALID);

	if (pkt.has_ports)
		rule = imgsec_classify(p->cls, pkt.family, pkt.saddr,
				       pkt.daddr, pkt.proto, pkt.dport);
	if (rule < 0)
		return imgsec_no_match(in, p, skb, &pkt, state);

	imgsec_count(in, IMGSEC_STATS_A_ACCEPTED);
	imgsec_rule_hit(p, rule, skb);
	imgsec_attach_helper(p, p->desc.rules[rule].helper, ct, &pkt);
	return NF_ACCEPT;
}

#define IMGSEC_HOOK(fam, num) {				\
	.hook = imgsec_hook,				\
	.pf = fam,					\
	.hooknum = num,					\
	.priority = NF_IP_PRI_FILTER,			\
}

static const struct nf_hook_ops imgsec_hook_ops[] = {
	IMGSEC_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	IMGSEC_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	IMGSEC_HOOK(NFPROTO_IPV4, NF_INET_FORWARD),
	IMGSEC_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	IMGSEC_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
	IMGSEC_HOOK(NFPROTO_IPV6, NF_INET_FORWARD),
};

/* Conntrack first: the hook decides on connection state. */
int imgsec_hooks_register(struct imgsec_net *in)
{
	int ret;

	ret = nf_ct_netns_get(in->net, NFPROTO_INET);
	if (ret < 0)
		return ret;
	ret = nf_register_net_hooks(in->net, imgsec_hook_ops,
				    ARRAY_SIZE(imgsec_hook_ops));
	if (ret < 0)
		nf_ct_netns_put(in->net, NFPROTO_INET);
	return ret;
}

void imgsec_hooks_unregister(struct imgsec_net *in)
{
	nf_unregister_net_hooks(in->net, imgsec_hook_ops,
				ARRAY_SIZE(imgsec_hook_ops));
	nf_ct_netns_put(in->net, NFPROTO_INET);
}
