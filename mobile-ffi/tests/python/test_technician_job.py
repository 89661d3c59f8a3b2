"""A full technician job, and a driver's vehicle repair, through the generated Python
bindings, against a real server.

Run (after building `baoxiu` and the library, and generating the bindings):
    python3 mobile-ffi/tests/python/test_technician_job.py \
        --server target/debug/baoxiu --bindings target/bindings/python
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

ARGS = None


def start_server(binary, data):
    proc = subprocess.Popen(
        [binary, "serve", "--data", data, "--listen", "127.0.0.1:0", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        m = re.match(r"listening on http://(\S+)", line)
        if m:
            return proc, m.group(1), lines
    raise RuntimeError("server did not start:\n" + "\n".join(lines))


def logins(lines):
    """role -> (user, device, token) for the first person of each role."""
    out = {}
    for i, line in enumerate(lines):
        m = re.match(r"(\w+)\s+\S+ user=(\S+)(?: device=(\S+))?$", line)
        if m and m.group(1) not in out and i + 1 < len(lines):
            out[m.group(1)] = (m.group(2), m.group(3), lines[i + 1].strip())
    return out


def get(addr, path, token):
    req = urllib.request.Request(f"http://{addr}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


def post(addr, path, token, body):
    req = urllib.request.Request(
        f"http://{addr}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


def observer_class(ffi):
    class Observer(ffi.ReplicaObserver):
        def __init__(self):
            self.changed = []
            self.states = []
            self.lock = threading.Lock()

        def on_sync_state(self, state):
            with self.lock:
                self.states.append(state)

        def on_orders_changed(self, order_ids):
            with self.lock:
                self.changed.extend(order_ids)

    return Observer


class TechnicianJob(unittest.TestCase):
    def test_full_job_offline_then_sync(self):
        sys.path.insert(0, ARGS.bindings)
        import baoxiu_mobile_ffi as ffi

        with tempfile.TemporaryDirectory() as tmp:
            proc, addr, lines = start_server(ARGS.server, os.path.join(tmp, "server"))
            try:
                people = logins(lines)
                user, device, token = people["technician"]
                dispatcher = people["dispatcher"][2]
                replica = ffi.Replica.open(os.path.join(tmp, "phone.db"), f"ws://{addr}/sync", token)
                observer = observer_class(ffi)()
                sub = replica.observe(observer)

                # Receive the assigned orders.
                state = replica.sync_now(20000)
                self.assertEqual(state.connection, ffi.SyncConnection.UP_TO_DATE, state)
                scheduled = [o for o in replica.list_orders() if o.status == "scheduled"]
                self.assertTrue(scheduled, "the demo assigns every technician a scheduled order")
                oid = scheduled[0].id
                order = replica.order(oid)

                # The fee schedule came with the sync (R-PAID): quote from it offline.
                schedule = replica.fee_schedule()
                self.assertIsNotNone(schedule)
                washer = next(i for i in schedule.items if not i.free)

                # Offline: the whole job on the phone. On site the technician finds more
                # to do: a schedule item (pre-approved) and a hose off the schedule (a
                # proposal for the manager); the customer agrees to both.
                replica.arrive(oid, ["現場確認：" + order.description])
                hose = ffi.FeeItemRecord(description="更換老化進水軟管", materials=28000, labour=6000, code=None)
                lines = order.fees + [washer.quote, hose]
                told = replica.tell_fee(oid, True, lines)
                self.assertTrue(told.awaiting_approval)
                replica.record_consent(oid)
                with self.assertRaises(ffi.ReplicaError.Rule) as refused:
                    replica.record_consent(oid)
                self.assertEqual(refused.exception.rule, "R-CONSENT")
                replica.check_material(oid, "客戶自購零件", True, True, "型號相符")
                replica.complete(oid, True, True, lines, "已修復，與住戶共同測試")
                strokes = [ffi.StrokeRecord(points=[ffi.PointRecord(x=10 + i * 3, y=40 - i % 5) for i in range(30)])]
                signed = replica.customer_sign(oid, "住戶", strokes)
                self.assertTrue(signed.signature_valid)
                done = replica.technician_sign(oid)
                self.assertEqual(done.status, "closed")
                self.assertEqual(replica.pending_changes(), 7)
                self.assertIn(oid, observer.changed)

                # Reconnect: everything reaches the office.
                state = replica.sync_now(20000)
                self.assertEqual(state.connection, ffi.SyncConnection.UP_TO_DATE, state)
                self.assertEqual(state.pending, 0)
                seen = get(addr, f"/api/v1/orders/{oid}", dispatcher)
                self.assertEqual(seen["status"], "closed")
                kinds = [t["kind"] for t in seen["state"]["timeline"]]
                for k in ["arrived", "fee_told", "consent_given", "material_checked", "completed",
                          "customer_signed", "technician_signed"]:
                    self.assertIn(k, kinds)
                self.assertTrue(seen["state"]["materials"][0]["supplied_by_customer"])
                self.assertTrue(seen["state"]["customer_signature"]["valid"])
                self.assertIn("fees_not_approved", [a["kind"]["type"] for a in seen["state"]["anomalies"]])
                self.assertTrue(replica.order(oid).awaiting_approval)

                # The manager approves the proposal after the work; the phone learns it
                # on its next sync, and the customer's signature still covers the fees.
                approved = post(addr, f"/api/v1/orders/{oid}/fees", dispatcher, {
                    "items": seen["state"]["fees"]["items"], "paid": True,
                    "reason": "現場發現軟管老化，核准"})
                self.assertNotIn("fees_not_approved", [a["kind"]["type"] for a in approved["state"]["anomalies"]])
                state = replica.sync_now(20000)
                self.assertEqual(state.connection, ffi.SyncConnection.UP_TO_DATE, state)
                after = replica.order(oid)
                self.assertFalse(after.awaiting_approval)
                self.assertEqual(after.approved_total, after.total)
                self.assertTrue(after.signature_valid)
                self.assertTrue(observer.states, "sync states were reported")
                sub.cancel()
                replica.stop_sync()
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                proc.stdout.close()


class DriverRepair(unittest.TestCase):
    """R-VEH-REQUEST … R-VEH-ACCEPT on the phones of the fleet's people (the demo's):
    the driver requests offline and signs the exit inspection offline; the leader
    approves offline; each phone syncs when it can."""

    def test_driver_s_offline_repair(self):
        sys.path.insert(0, ARGS.bindings)
        import baoxiu_mobile_ffi as ffi

        with tempfile.TemporaryDirectory() as tmp:
            proc, addr, lines = start_server(ARGS.server, os.path.join(tmp, "server"))
            try:
                people = logins(lines)
                ws = f"ws://{addr}/sync"

                def phone(role):
                    return ffi.Replica.open(os.path.join(tmp, f"{role}.db"), ws, people[role][2])

                def synced(replica):
                    state = replica.sync_now(20000)
                    self.assertEqual(state.connection, ffi.SyncConnection.UP_TO_DATE, state)
                    self.assertEqual(state.pending, 0, state)

                driver, manager, leader, clerk = (
                    phone("driver"), phone("fleet_manager"), phone("leader"), phone("logistics_clerk"))

                # On the road, no signal: the request exists on the driver's phone only.
                asked = driver.request_repair("ABC-1234", "儀表板引擎燈亮起")
                self.assertEqual(asked.status, "requested")
                self.assertEqual(driver.pending_changes(), 1)
                synced(driver)

                synced(manager)
                self.assertIn(asked.id, [c.id for c in manager.list_cases()])
                manager.assess_repair(asked.id, [ffi.RepairItemRecord(
                    code="1", description="檢查並更換含氧感知器", kind="part", estimate=120000)])
                synced(manager)

                # The leader, away from the office, approves on the phone offline.
                synced(leader)
                approved = leader.approve_repair(asked.id, None)
                self.assertEqual(approved.status, "approved")
                with self.assertRaises(ffi.ReplicaError.Rule):
                    leader.send_repair(asked.id, "順安汽車修理廠")
                synced(leader)

                synced(clerk)
                clerk.file_repair(asked.id)
                synced(clerk)

                synced(driver)
                driver.send_repair(asked.id, "順安汽車修理廠")
                synced(driver)
                synced(manager)
                manager.complete_repair(asked.id, ["1"], 45000)
                synced(manager)

                # Leaving the shop in an underground car park: the driver signs offline,
                # bound to the items and costs the phone shows.
                synced(driver)
                shown = driver.repair(asked.id)
                self.assertEqual(shown.status, "completed")
                signed = driver.accept_repair(asked.id)
                self.assertTrue(signed.accepted)
                self.assertEqual(driver.pending_changes(), 1)
                synced(driver)

                synced(leader)
                seen = leader.repair(asked.id)
                self.assertEqual(seen.status, "accepted")
                self.assertTrue(seen.accepted)
                self.assertEqual(seen.flags, [])
                self.assertEqual(seen.labour, 45000)


                # A department's requisition: asked and approved by its head offline,
                # checked and issued in part by the clerk (R-SUP-ISSUE).
                head = phone("department_head")
                asked = head.request_supplies("總務科", [ffi.LineRecord(item="P-01", quantity=30)])
                approved = head.approve_requisition(asked.id)
                self.assertEqual(approved.status, "approved")
                with self.assertRaises(ffi.ReplicaError.Rule):
                    head.issue_supplies(asked.id, [ffi.LineRecord(item="P-01", quantity=30)], None)
                synced(head)
                synced(clerk)
                clerk.check_requisition(asked.id)
                part = clerk.issue_supplies(asked.id, [ffi.LineRecord(item="P-01", quantity=20)], None)
                self.assertEqual(part.status, "partly_issued")
                synced(clerk)
                synced(head)
                seen = head.requisition(asked.id)
                self.assertEqual([(l.item, l.quantity) for l in seen.issued], [("P-01", 20)])

                # R-VEH-USE: the fleet manager opens the vehicle's log; its driver (the
                # register lists him) records a trip out of the city offline, flagged
                # until the leader's later consent.
                log = manager.open_vehicle_log("ABC-1234")
                synced(manager)
                synced(driver)
                now = int(__import__("time").time() * 1000)
                trip = driver.log_trip(log.id, now - 7200000, now - 3600000, 52300, 52410, False, True)
                self.assertEqual([f.rule for f in trip.flags], ["R-VEH-USE"])
                synced(driver)
                synced(leader)
                leader.consent_leave(log.id, trip.trips[0].id)
                synced(leader)
                synced(driver)
                self.assertEqual(driver.vehicle_log(log.id).flags, [])
                for r in (driver, manager, leader, clerk, head):
                    r.stop_sync()
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                proc.stdout.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--bindings", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
