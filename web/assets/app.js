// sakip web: keys live in this browser (WebCrypto Ed25519, private key not
// extractable, kept in IndexedDB); the server prepares, the browser signs,
// the server submits. No inline script: this file is the only script.
"use strict";

const ED = { name: "Ed25519" };

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open("sakip", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("kunci");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function dbGet() {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const req = db.transaction("kunci").objectStore("kunci").get("utama");
    req.onsuccess = () => resolve(req.result || null);
    req.onerror = () => reject(req.error);
  });
}

async function dbPut(value) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("kunci", "readwrite");
    tx.objectStore("kunci").put(value, "utama");
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const unb64url = (text) => unb64(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));

function say(text, ok) {
  const el = document.getElementById("pesan");
  if (!el) return;
  el.textContent = text;
  el.className = ok ? "berhasil" : "gagal";
}

// Where this ledger's pages live: "" for a server of one ledger,
// "/opd/NAME" under a pemda root.
function base() {
  const m = document.querySelector('meta[name="base"]');
  return m ? m.content : "";
}

function csrf() {
  const m = document.querySelector('meta[name="csrf"]');
  return m ? m.content : "";
}

async function post(path, body) {
  const res = await fetch(base() + path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch (_) { /* empty body */ }
  return { status: res.status, data };
}

function pemOf(label, der) {
  const lines = b64(der).match(/.{1,64}/g).join("\n");
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

async function showKey() {
  const status = document.getElementById("status-kunci");
  if (!status) return;
  const rec = await dbGet();
  const pub = document.getElementById("kunci-publik");
  const link = document.getElementById("unduh-pub");
  if (!rec) {
    status.textContent = "Belum ada kunci di peramban ini. Buat kunci baru atau impor berkas kunci sakip.";
    pub.textContent = "-";
    link.classList.add("tersembunyi");
    return;
  }
  status.textContent = "Kunci tersimpan di peramban ini.";
  pub.textContent = rec.publicHex;
  link.href = "data:application/x-pem-file;base64," + btoa(rec.publicPem);
  link.classList.remove("tersembunyi");
}

async function storeKey(privateKey, publicRaw) {
  const spki = await crypto.subtle.exportKey("spki", await crypto.subtle.importKey("raw", publicRaw, ED, true, ["verify"]));
  await dbPut({ privateKey, publicHex: hex(publicRaw), publicPem: pemOf("PUBLIC KEY", spki) });
}

// Replacing the key this browser holds loses it for good (it cannot be
// exported): ask first, in the page, and do nothing unless confirmed.
let pendingReplace = null;
async function confirmReplace(action) {
  const rec = await dbGet();
  if (!rec) return action();
  const box = document.getElementById("ganti-kunci");
  document.getElementById("ganti-kunci-lama").textContent = rec.publicHex.slice(0, 16) + "…";
  pendingReplace = action;
  const pesan = document.getElementById("pesan");
  if (pesan) { pesan.textContent = ""; pesan.className = ""; }
  box.hidden = false;
  document.getElementById("ganti-kunci-batal").focus();
}

function answerReplace(yes) {
  const action = pendingReplace;
  pendingReplace = null;
  document.getElementById("ganti-kunci").hidden = true;
  const input = document.getElementById("impor-kunci");
  if (input) input.value = "";
  if (!action) return;
  if (yes) action().catch((e) => say(String(e.message || e), false));
  else say("Kunci lama tetap dipakai; tidak ada yang diganti.", true);
}

async function newKey() {
  const pair = await crypto.subtle.generateKey(ED, false, ["sign", "verify"]);
  const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
  await storeKey(pair.privateKey, raw);
  await showKey();
  say("Kunci baru dibuat. Berikan kunci publiknya kepada admin.", true);
}

// sakip writes PKCS#8 v2 (OneAsymmetricKey, the public key included);
// browsers import v1. The 32-byte seed follows the OCTET STRING header
// 04 22 04 20 in both; rebuild the fixed v1 encoding around it.
function v1(der) {
  for (let i = 0; i + 36 <= der.length; i++) {
    if (der[i] === 0x04 && der[i + 1] === 0x22 && der[i + 2] === 0x04 && der[i + 3] === 0x20) {
      const prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
      return Uint8Array.from([...prefix, ...der.slice(i + 4, i + 36)]);
    }
  }
  throw new Error("bukan kunci Ed25519 PKCS#8");
}

async function importKey(file) {
  const text = await file.text();
  if (text.includes("ENCRYPTED")) {
    say("Berkas kunci ini dilindungi kata sandi; buka dengan `sakip key` lalu simpan tanpa kata sandi, atau buat kunci baru di peramban.", false);
    return;
  }
  const body = text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = v1(unb64(body));
  const extractable = await crypto.subtle.importKey("pkcs8", der, ED, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  const privateKey = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", d: jwk.d, x: jwk.x }, ED, false, ["sign"]);
  await storeKey(privateKey, unb64url(jwk.x));
  await showKey();
  say("Kunci diimpor ke peramban ini.", true);
}

async function sign(messageB64) {
  const rec = await dbGet();
  if (!rec) throw new Error("Tidak ada kunci di peramban ini; buat atau impor kunci di halaman Masuk.");
  return b64(await crypto.subtle.sign(ED, rec.privateKey, unb64(messageB64)));
}

async function signIn() {
  const rec = await dbGet();
  if (!rec) { say("Tidak ada kunci di peramban ini.", false); return; }
  const ch = await post("/api/tantangan", {});
  if (ch.status !== 200) { say(ch.data.galat || "Gagal meminta tantangan.", false); return; }
  const tanda_tangan = await sign(ch.data.pesan);
  const res = await post("/api/masuk", { kunci: rec.publicHex, nonce: ch.data.nonce, tanda_tangan });
  if (res.status !== 200) { say(res.data.galat || "Gagal masuk.", false); return; }
  location.href = base() + "/";
}

async function fields(form) {
  const out = { jenis: form.dataset.jenis };
  const data = new FormData(form);
  for (const [name, value] of data.entries()) {
    if (value instanceof File) {
      out.berkas = value.name;
      if (/\.xlsx$/i.test(value.name)) {
        // A workbook travels as base64: its bytes are not text.
        const bytes = new Uint8Array(await value.arrayBuffer());
        let bin = "";
        for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        out.isi_base64 = btoa(bin);
      } else {
        out.isi = await value.text();
      }
    }
    else if (name === "seq") (out.seq = out.seq || []).push(Number(value));
    else if (name === "peran") (out.peran = out.peran || []).push(value);
    else if (name === "tahun" || name === "tw") out[name] = Number(value);
    else out[name] = value;
  }
  if (out.jenis === "persetujuan" && !out.seq) out.seq = [];
  if (out.jenis === "kunci" && !out.peran) out.peran = [];
  return out;
}

let current = null;

async function prepare(request, note) {
  const res = await post("/api/siapkan", request);
  if (res.status !== 200) { say(res.data.galat || `Ditolak (${res.status}).`, false); return; }
  current = { request, prepared: res.data };
  document.getElementById("uraian").textContent = (note ? note + "\n\n" : "") + res.data.uraian;
  document.getElementById("tandatangan").showModal();
}

async function send() {
  if (!current) return;
  const dialog = document.getElementById("tandatangan");
  try {
    let res = await post("/api/kirim", { id: current.prepared.id, tanda_tangan: await sign(current.prepared.pesan) });
    // A file's rows: each event names the hash of the signed one before it,
    // so the server hands out the next body once the previous is signed.
    while (res.status === 200 && res.data.lanjut) {
      say(`Menandatangani ${res.data.ditandatangani + 1} dari ${res.data.jumlah}…`, true);
      res = await post("/api/kirim", { id: current.prepared.id, tanda_tangan: await sign(res.data.lanjut) });
    }
    if (res.status === 409) {
      dialog.close();
      await prepare(current.request, "Ledger berubah sejak disiapkan; periksa lagi sebelum menandatangani.");
      return;
    }
    dialog.close();
    if (res.status !== 200) { say(res.data.galat || `Ditolak (${res.status}).`, false); return; }
    if (res.data.teks) {
      const pre = document.getElementById("checkpoint");
      if (pre) pre.textContent = res.data.teks;
      say(`Checkpoint ${res.data.ukuran} peristiwa ditandatangani.`, true);
    } else {
      const issued = document.getElementById("unduh-terbitan");
      if (issued && res.data.unduh) { issued.href = res.data.unduh; issued.parentElement.hidden = false; }
      say(res.data.jumlah > 1 ? `${res.data.jumlah} peristiwa tersimpan sebagai seq ${res.data.seq}–${res.data.sampai}.` : `Tersimpan sebagai seq ${res.data.seq}.`, true);
    }
    current = null;
  } catch (e) {
    dialog.close();
    say(String(e.message || e), false);
  }
}

// The whole-ledger verification runs on the server in the background;
// the page shows how far it is and, at the end, what it found.
function showRun(r) {
  const bar = document.getElementById("kemajuan");
  if (!bar) return;
  bar.max = Math.max(r.jumlah, 1);
  bar.value = r.diperiksa;
  document.getElementById("kemajuan-teks").textContent = r.berjalan
    ? `${r.diperiksa.toLocaleString("id-ID")} dari ${r.jumlah.toLocaleString("id-ID")} peristiwa diperiksa…`
    : (r.selesai ? `Selesai ${r.selesai} (dimulai ${r.mulai} oleh ${r.oleh}).` : "");
  const out = document.getElementById("hasil-verifikasi");
  out.textContent = r.galat ? "TIDAK UTUH: " + r.galat : (r.hasil || "");
  out.className = r.galat ? "gagal" : (r.hasil ? "berhasil" : "");
}

async function watchVerification() {
  for (;;) {
    const res = await fetch(base() + "/api/verifikasi", { credentials: "same-origin" });
    if (res.status !== 200) return;
    const r = await res.json();
    showRun(r);
    if (!r.berjalan) return;
    await new Promise((ok) => setTimeout(ok, 300));
  }
}

async function startVerification() {
  const res = await post("/api/verifikasi", {});
  if (res.status !== 200) { say(res.data.galat || `Ditolak (${res.status}).`, false); return; }
  showRun(res.data);
  await watchVerification();
}

// ---- The head this browser saw: a shrunk or forked ledger is an alarm.
// Each signed-in page asks for the head and a consistency proof from the
// head this browser remembers for this ledger (RFC 9162, 2.1.4.2), and
// checks it here with SHA-256; the server cannot show a ledger cut back
// or rewritten since as if it had only grown.

async function sha256(...parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}

const node = (l, r) => sha256(Uint8Array.of(1), l, r);
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// Whether `proof` shows the tree of `first` leaves with root `a` is a prefix
// of the tree of `second` leaves with root `b`.
async function consistent(first, second, a, b, proof) {
  if (first === second) return proof.length === 0 && same(a, b);
  if (first === 0) return proof.length === 0;
  if (first > second || proof.length === 0) return false;
  let path = proof;
  if ((first & (first - 1)) === 0) path = [a, ...proof];
  let fn = first - 1, sn = second - 1;
  while (fn & 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      while (!(fn & 1) && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = await node(sr, c);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, a) && same(sr, b);
}

function alarm(text) {
  const main = document.querySelector("main");
  if (!main || document.getElementById("alarm-ledger")) return;
  const box = document.createElement("div");
  box.id = "alarm-ledger";
  box.className = "alarm";
  box.setAttribute("role", "alert");
  box.textContent = text;
  main.prepend(box);
  main.classList.add("tercemar");
}

async function checkHead() {
  const line = document.getElementById("kepala-ledger");
  if (!line) return;
  if (!(window.crypto && crypto.subtle)) { line.textContent = "Riwayat ledger tidak dapat diperiksa peramban tanpa HTTPS."; return; }
  const key = "sakip-kepala:" + location.origin + base();
  let seen = null;
  try { seen = JSON.parse(localStorage.getItem(key) || "null"); } catch (_) { seen = null; }
  const from = seen && Number.isSafeInteger(seen.ukuran) ? seen.ukuran : 0;
  const res = await fetch(base() + "/api/kepala?dari=" + from, { credentials: "same-origin" });
  if (res.status !== 200) { line.textContent = ""; return; }
  const now = await res.json();
  const was = seen ? `${seen.ukuran} peristiwa, akar ${seen.akar.slice(0, 12)}…, dilihat ${seen.waktu}` : "";
  if (seen && seen.asal !== now.asal) {
    alarm(`PERINGATAN: di alamat ini sekarang ada ledger lain (${now.asal}) daripada yang pernah dilihat peramban ini (${seen.asal}). Data tidak ditampilkan. Laporkan ke admin dan Inspektorat.`);
    line.textContent = "Riwayat ledger tidak cocok dengan yang pernah dilihat peramban ini.";
    return;
  }
  if (seen) {
    const ok = now.bukti && await consistent(seen.ukuran, now.ukuran, unb64(seen.akar), unb64(now.akar), now.bukti.map(unb64));
    if (!ok) {
      const what = now.ukuran < seen.ukuran
        ? `ledger ini kini hanya ${now.ukuran} peristiwa, padahal peramban ini pernah melihat ${was}: peristiwa terakhir terpotong atau salinan lama dipasang kembali`
        : `riwayat ledger ini tidak memperpanjang yang pernah dilihat peramban ini (${was}): ledger ditulis ulang atau bercabang`;
      alarm(`PERINGATAN: ${what}. Data tidak ditampilkan; jangan memasukkan entri. Laporkan ke admin dan Inspektorat.`);
      line.textContent = "Riwayat ledger tidak cocok dengan yang pernah dilihat peramban ini.";
      return;
    }
  }
  const waktu = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
  localStorage.setItem(key, JSON.stringify({ asal: now.asal, ukuran: now.ukuran, akar: now.akar, waktu }));
  line.textContent = seen
    ? `Ledger ${now.ukuran} peristiwa; memperpanjang ${seen.ukuran} peristiwa yang dilihat peramban ini (bukti konsistensi diperiksa).`
    : `Ledger ${now.ukuran} peristiwa; kepalanya kini diingat peramban ini.`;
}

document.addEventListener("DOMContentLoaded", () => {
  showKey();
  checkHead().catch(() => {});
  const on = (id, ev, f) => { const el = document.getElementById(id); if (el) el.addEventListener(ev, f); };
  on("buat-kunci", "click", () => confirmReplace(() => newKey()).catch((e) => say(String(e.message || e), false)));
  on("impor-kunci", "change", (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    const run = () => importKey(f).catch((e) => say("Kunci tidak dapat diimpor: " + (e.message || e), false));
    confirmReplace(run).catch((e) => say(String(e.message || e), false));
  });
  on("ganti-kunci-ya", "click", () => answerReplace(true));
  on("ganti-kunci-batal", "click", () => answerReplace(false));
  on("masuk", "click", () => signIn().catch((e) => say(String(e.message || e), false)));
  on("kirim", "click", () => send());
  on("verifikasi", "click", () => startVerification().catch((e) => say(String(e.message || e), false)));
  if (document.getElementById("kemajuan")) watchVerification().catch(() => {});
  on("batal", "click", () => { current = null; document.getElementById("tandatangan").close(); say("Dibatalkan; tidak ada yang ditandatangani.", false); });
  on("keluar", "click", async () => { await post("/api/keluar", {}); location.href = base() + "/masuk"; });
  for (const form of document.querySelectorAll("form.siapkan")) {
    form.addEventListener("submit", (ev) => { ev.preventDefault(); fields(form).then((f) => prepare(f)).catch((e) => say(String(e.message || e), false)); });
  }
});
