"""report_figures.py: every figure of `mtascope report`, computed independently from domains.csv and
mx.csv as docs/report.md defines it (the test compares the report's JSON against these)."""
import collections
import datetime

MAIL_KINDS = ("mx", "implicit")
FETCH_CODES = ("host_nxdomain", "host_dns_error", "host_address_skipped", "connect_fail",
               "tls_handshake", "webpki_expired", "webpki_untrusted", "webpki_name_mismatch",
               "webpki_no_dns_san", "http_3xx", "http_4xx", "http_5xx", "http_other", "too_large",
               "timeout", "fetch_error")
DANE_ROW_ERRORS = {"tlsa_ee_nomatch": "tlsa_ee_nomatch", "ta_not_in_chain": "ta_not_in_chain",
                   "ta_name_mismatch": "ta_name_mismatch", "ta_chain_expired": "ta_chain_expired",
                   "starttls_missing_with_tlsa": "starttls_missing_with_tlsa"}


def _time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def _plain(ct):
    return ct.split(";")[0].strip().lower() == "text/plain"


def figures(domains, mx_rows):
    """{code: (n, denom or None)} for the headline and misconfiguration tables, plus the breakdowns
    as {"tls_versions": Counter, "issuers": Counter, "handshake_rows": n, "leaf_rows": n}."""
    rows_of = collections.defaultdict(list)
    for r in mx_rows:
        rows_of[r["domain"]].append(r)
    c = collections.Counter()
    versions, issuers = collections.Counter(), collections.Counter()
    for d in domains:
        c["records"] += 1
        c["input_error"] += d["status"] == "input_error"
        c["excluded"] += d["status"] == "excluded"
        c["dns_error"] += d["status"] == "dns_error"
        c["resolved"] += d["status"] == "ok"
        c["nxdomain"] += d["mx_kind"] == "nxdomain"
        c["null_mx"] += d["mx_kind"] == "null"
        if d["mx_kind"] not in MAIL_KINDS:
            continue
        rows = rows_of.get(d["domain"], [])
        for r in rows:
            if r["starttls"] == "ok":
                c["handshake_rows"] += 1
                versions[r["tls_version"]] += 1
            if r["leaf_issuer"]:
                c["leaf_rows"] += 1
                issuers[r["leaf_issuer"]] += 1
        mail_domain(c, d, rows)
    return c, versions, issuers


def mail_domain(c, d, rows):
    c["mail"] += 1
    c["implicit_mx"] += d["mx_kind"] == "implicit"
    st = d["starttls"]
    c["starttls_probed"] += st in ("all", "some", "none", "unreachable")
    c["starttls_reachable"] += st in ("all", "some", "none")
    for v in ("all", "some", "none", "unreachable"):
        c["starttls_" + v] += st == v
    sts_record = d["sts_txt"] in ("valid", "invalid", "multiple")
    c["sts_record"] += sts_record
    c["sts_txt_valid"] += d["sts_txt"] == "valid"
    valid = d["sts"] == "valid"
    c["sts_valid"] += valid
    mode = d["sts_mode"]
    c["sts_enforce"] += valid and mode == "enforce"
    c["sts_testing"] += valid and mode == "testing"
    c["sts_mode_none"] += valid and mode == "none"
    c["sts_deliverable"] += d["sts_deliverable"] == "yes"
    c["sts_undeliverable"] += d["sts_deliverable"] == "no"
    c["mx_dnssec_secure"] += d["mx_dnssec"] == "secure"
    c["tlsa_secure"] += d["tlsa"] == "secure"
    dane = d["dane"]
    dane_any = dane not in ("", "none", "lookup_error")
    c["dane_published"] += dane_any
    for v in ("valid", "host_only", "partial", "unusable", "unverified"):
        c["dane_" + v] += dane == v
    c["dane_broken"] += dane in ("invalid", "lookup_error")
    c["tlsrpt_record"] += d["tlsrpt"] in ("valid", "invalid", "multiple")
    c["tlsrpt_valid"] += d["tlsrpt"] == "valid"
    adopted = valid and mode in ("enforce", "testing")
    c["sts_adopted"] += adopted
    c["sts_and_dane"] += adopted and dane_any
    c["neither"] += not adopted and not dane_any
    sts_misconfig(c, d, rows, valid, mode)
    dane_misconfig(c, d, rows, dane_any)
    rpt = d["tlsrpt"]
    c["rua_scheme"] += rpt == "invalid" and d["tlsrpt_error"] == "rua_scheme"
    c["tlsrpt_syntax"] += rpt == "invalid" and d["tlsrpt_error"] != "rua_scheme"
    c["tlsrpt_multiple"] += rpt == "multiple"


def sts_misconfig(c, d, rows, valid, mode):
    err = d["sts_error"]
    c["txt_syntax"] += err == "txt_syntax"
    c["txt_multiple"] += err == "txt_multiple"
    if d["sts"] == "fetch_error":
        for code in FETCH_CODES:
            c[code] += err == code
    fetched = d["sts"] in ("valid", "invalid") and d["sts_policy_id"] != ""
    c["sts_fetched"] += fetched
    c["ct_mismatch"] += fetched and not _plain(d["sts_content_type"])
    c["syntax_lenient"] += fetched and d["sts"] == "invalid"
    c["syntax_strict"] += valid and d["sts_strict"] == "no"
    applies = valid and mode != "none"
    c["sts_policy_applies"] += applies
    c["mx_not_in_policy"] += applies and any(r["sts_match"] == "no" for r in rows)
    c["mx_cert_invalid_enforce"] += applies and mode == "enforce" and any(
        r["sts_match"] == "yes" and r["starttls"] == "ok" and r["pkix"] != "valid" for r in rows)
    c["mode_testing"] += valid and mode == "testing"
    c["mode_none"] += valid and mode == "none"
    c["max_age_tiny"] += valid and d["sts_max_age"] != "" and int(d["sts_max_age"]) < 86400
    good = [r for r in rows if r["sts_valid"] == "yes"]
    if applies and mode == "enforce" and good:
        scanned = _time(d["scanned_at"])
        for days in (14, 30):
            soon = [r for r in good if r["leaf_not_after"] and
                    (_time(r["leaf_not_after"]) - scanned).total_seconds() <= days * 86400]
            c[f"enforce_cert_expiring_{days}d_any"] += len(soon) > 0
            c[f"enforce_cert_expiring_{days}d_all"] += len(soon) == len(good)


def dane_misconfig(c, d, rows, dane_any):
    c["dane_attempted"] += dane_any or d["dane"] == "lookup_error" or d["tlsa"] == "insecure"
    c["tlsa_insecure"] += d["tlsa"] == "insecure"
    c["tlsa_lookup_error"] += any(r["dane"] == "lookup_error" for r in rows)
    for code in DANE_ROW_ERRORS:
        c[code] += any(r["dane"] == "nomatch" and r["error"] == code for r in rows)
    c["tlsa_all_unusable"] += d["dane"] == "unusable"
    matched = [r for r in rows if r["dane"] in ("match_ee", "match_ta")]
    c["dane_matched"] += bool(matched)
    c["tlsa_current_only"] += any("tlsa_current_only" in r["dane_notes"].split(";")
                                  for r in matched)
    c["ta_full_cert_intermediate"] += any("ta_full_cert_intermediate" in r["dane_notes"].split(";")
                                          for r in matched)


# The denominator of every figure (docs/report.md), by code.
DENOMS = {
    "records": None, "input_error": "records", "excluded": "records", "dns_error": "records",
    "resolved": "records", "nxdomain": "resolved", "null_mx": "resolved", "mail": "resolved",
    "implicit_mx": "mail",
    "starttls_all": "starttls_reachable", "starttls_some": "starttls_reachable",
    "starttls_none": "starttls_reachable", "starttls_unreachable": "starttls_probed",
    "sts_record": "mail", "sts_txt_valid": "mail", "sts_valid": "mail",
    "sts_enforce": "sts_valid", "sts_testing": "sts_valid", "sts_mode_none": "sts_valid",
    "sts_deliverable": "sts_enforce", "sts_undeliverable": "sts_enforce",
    "mx_dnssec_secure": "mail", "tlsa_secure": "mail", "dane_published": "mail",
    "dane_valid": "mail", "dane_host_only": "mail", "dane_partial": "mail", "dane_unusable": "mail",
    "dane_unverified": "mail", "dane_broken": "mail", "tlsrpt_record": "mail",
    "tlsrpt_valid": "mail", "sts_adopted": "mail", "sts_and_dane": "mail", "neither": "mail",
    "txt_syntax": "sts_record", "txt_multiple": "sts_record",
    **{code: "sts_txt_valid" for code in FETCH_CODES},
    "ct_mismatch": "sts_fetched", "syntax_lenient": "sts_fetched", "syntax_strict": "sts_valid",
    "mx_not_in_policy": "sts_policy_applies", "mx_cert_invalid_enforce": "sts_enforce",
    "mode_testing": "sts_valid", "mode_none": "sts_valid", "max_age_tiny": "sts_valid",
    "tlsa_insecure": "dane_attempted", "tlsa_lookup_error": "dane_attempted",
    **{code: "dane_attempted" for code in DANE_ROW_ERRORS},
    "tlsa_all_unusable": "dane_attempted",
    "tlsrpt_syntax": "tlsrpt_record", "rua_scheme": "tlsrpt_record",
    "tlsrpt_multiple": "tlsrpt_record",
    **{f"enforce_cert_expiring_{d}d_{w}": "sts_enforce" for d in (14, 30) for w in ("any", "all")},
    "tlsa_current_only": "dane_matched", "ta_full_cert_intermediate": "dane_matched",
}


# ---------------------------------------------------------------- public suffixes and providers

PSL_FILE = "/usr/share/publicsuffix/public_suffix_list.dat"


def load_psl(path=PSL_FILE):
    rules = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("//"):
                rules.add(line.split()[0].encode("idna").decode() if not line.isascii() else
                          line.split()[0])
    return rules


def suffix(name, rules):
    """The public suffix of `name` by the PSL algorithm (https://publicsuffix.org/list/):
    the longest matching rule, exceptions win, and the default rule '*'."""
    labels = name.split(".")
    best = 1
    for i in range(len(labels)):
        cand = ".".join(labels[i:])
        wild = ".".join(["*"] + labels[i + 1:]) if i + 1 <= len(labels) - 1 else None
        if "!" + cand in rules:
            return ".".join(labels[i + 1:])
        n = len(labels) - i
        if (cand in rules or (wild and wild in rules)) and n > best:
            best = n
    return ".".join(labels[-best:])


def registered(name, rules):
    s = suffix(name, rules)
    if s == name:
        return None
    return ".".join(name.split(".")[-(len(s.split(".")) + 1):])


def provider(d, rules):
    host = d["domain"]
    if d["mx_hosts"]:
        hosts = [h.split(":", 1)[1] for h in d["mx_hosts"].split(";")]
        real = [h for h in hosts if h != "."]
        host = real[0] if real else "."
    if all(ch in "0123456789." for ch in host) or ":" in host:
        return host
    return registered(host, rules) or host


def groups(domains, rules):
    """{"suffixes": {key: [domains, starttls_all, sts, dane_any, dane_valid, tlsrpt_valid]},
    "providers": {...}} over domains with mail."""
    out = {"suffixes": collections.defaultdict(lambda: [0] * 6),
           "providers": collections.defaultdict(lambda: [0] * 6)}
    for d in domains:
        if d["mx_kind"] not in MAIL_KINDS:
            continue
        dane = d["dane"]
        vals = [1, d["starttls"] == "all",
                d["sts"] == "valid" and d["sts_mode"] in ("enforce", "testing"),
                dane not in ("", "none", "lookup_error"), dane == "valid", d["tlsrpt"] == "valid"]
        for key, table in ((suffix(d["domain"], rules), "suffixes"),
                           (provider(d, rules), "providers")):
            row = out[table][key]
            for i, v in enumerate(vals):
                row[i] += int(v)
    return out


# ---------------------------------------------------------------- change between two scans

TECHS = ("sts", "dane", "tlsrpt")
CHANGES = ("adopted", "dropped", "broke", "fixed")


def _state(d, tech):
    """(published, works) of one technology for a domains.csv row (docs/report.md)."""
    if d["mx_kind"] not in MAIL_KINDS:
        return False, False
    if tech == "sts":
        return (d["sts_txt"] in ("valid", "invalid", "multiple"),
                d["sts"] == "valid" and d["sts_mode"] in ("enforce", "testing"))
    if tech == "dane":
        published = 2 if d["dane"] == "lookup_error" else int(d["dane"] not in ("", "none"))
        return published, d["dane"] in ("valid", "host_only", "partial", "unusable")
    return d["tlsrpt"] in ("valid", "invalid", "multiple"), d["tlsrpt"] == "valid"


def changes(prev, latest):
    """{"both", "new": [...], "gone": [...], (tech, change): [domains]} from two domains.csv."""
    p = {d["domain"]: d for d in prev}
    lt = {d["domain"]: d for d in latest}
    out = {"both": 0, "new": sorted(k for k in lt if k not in p),
           "gone": sorted(k for k in p if k not in lt)}
    for t in TECHS:
        for c in CHANGES:
            out[(t, c)] = []
    for k in sorted(set(p) & set(lt)):
        out["both"] += 1
        for t in TECHS:
            pa, po = _state(p[k], t)
            ca, co = _state(lt[k], t)
            if (pa == 2 and not ca) or (not pa and ca == 2):
                continue  # a failed TLSA lookup beside no TLSA: no change known
            c = ("adopted" if not pa and ca else "dropped" if pa and not ca else
                 "broke" if pa and ca and po and not co else
                 "fixed" if pa and ca and not po and co else None)
            if c:
                out[(t, c)].append(k)
    return out
