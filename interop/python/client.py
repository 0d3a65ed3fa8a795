"""A workload built on the unmodified py-spiffe library (PyPI package `spiffe`).

Signet's integration tests run it against a real agent. It prints one JSON object per result on stdout and
exits 0, or prints "error: ..." on stderr and exits 1. The agent address comes from SPIFFE_ENDPOINT_SOCKET.

    python client.py x509                 fetch the X.509 context; verify the chain against the bundle
    python client.py jwt --audience A     fetch a JWT-SVID; validate locally against the JWT bundle and via the agent;
                                          validate locally for audience A-other (must fail)
    python client.py watch --timeout 60   stream X.509 contexts until the SVID rotates
"""
import argparse
import json
import sys
import threading

from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from spiffe import WorkloadApiClient
from spiffe.svid.jwt_svid import JwtSvid


def emit(obj):
    print(json.dumps(obj, sort_keys=True), flush=True)


def verify_chain(svid, bundle):
    """True if the leaf was signed by one of the bundle's authorities (the CA is the direct issuer)."""
    leaf = svid.leaf
    for ca in bundle.x509_authorities:
        try:
            pub = ca.public_key()
            if isinstance(pub, ec.EllipticCurvePublicKey):
                pub.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
            elif isinstance(pub, rsa.RSAPublicKey):
                pub.verify(leaf.signature, leaf.tbs_certificate_bytes, padding.PKCS1v15(), leaf.signature_hash_algorithm)
            else:
                continue
            return True
        except Exception:  # noqa: BLE001 - try the next authority
            continue
    return False


def cmd_x509(client, _args):
    ctx = client.fetch_x509_context()
    svid = ctx.default_svid
    bundle = ctx.x509_bundle_set.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
    emit({
        "spiffe_id": str(svid.spiffe_id),
        "serial": format(svid.leaf.serial_number, "x"),
        "chain_valid": bundle is not None and verify_chain(svid, bundle),
        "svids": len(ctx.x509_svids),
    })


def cmd_jwt(client, args):
    svid = client.fetch_jwt_svid(audience={args.audience})
    bundles = client.fetch_jwt_bundles()
    bundle = bundles.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
    local_err = ""
    try:
        JwtSvid.parse_and_validate(svid.token, bundle, {args.audience})
    except Exception as e:  # noqa: BLE001 - reported, not raised
        local_err = str(e) or type(e).__name__
    wrong_aud_err = ""
    try:
        JwtSvid.parse_and_validate(svid.token, bundle, {args.audience + "-other"})
    except Exception as e:  # noqa: BLE001 - reported, not raised
        wrong_aud_err = str(e) or type(e).__name__
    agent_err = ""
    agent_id = ""
    try:
        validated = client.validate_jwt_svid(svid.token, args.audience)
        agent_id = str(validated.spiffe_id)
    except Exception as e:  # noqa: BLE001
        agent_err = str(e) or type(e).__name__
    emit({
        "spiffe_id": str(svid.spiffe_id),
        "audience": sorted(svid.audience),
        "local_valid": local_err == "",
        "local_err": local_err,
        "agent_valid": agent_err == "",
        "agent_err": agent_err,
        "agent_spiffe_id": agent_id,
        "wrong_audience_err": wrong_aud_err,
    })


def cmd_watch(client, args):
    done = threading.Event()
    state = {"first": None, "error": None}

    def on_success(ctx):
        serial = format(ctx.default_svid.leaf.serial_number, "x")
        if state["first"] is None:
            state["first"] = serial
            emit({"event": "initial", "spiffe_id": str(ctx.default_svid.spiffe_id), "serial": serial})
        elif serial != state["first"]:
            emit({"event": "rotated", "spiffe_id": str(ctx.default_svid.spiffe_id), "old_serial": state["first"], "serial": serial})
            done.set()

    def on_error(err):
        state["error"] = err
        done.set()

    handler = client.stream_x509_contexts(on_success=on_success, on_error=on_error, retry_connect=False)
    finished = done.wait(args.timeout)
    handler.cancel()
    if state["error"] is not None:
        raise RuntimeError("stream failed: %s" % state["error"])
    if not finished:
        raise RuntimeError("no rotation within %ss" % args.timeout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["x509", "jwt", "watch"])
    p.add_argument("--audience", default="")
    p.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()
    try:
        client = WorkloadApiClient(default_timeout=args.timeout)
        {"x509": cmd_x509, "jwt": cmd_jwt, "watch": cmd_watch}[args.command](client, args)
        client.close()
    except Exception as e:  # noqa: BLE001 - one line for the test to read
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
