//! A WeChat Pay API v3 simulator: the merchant endpoints examreg calls (Native and H5
//! orders, query, close), speaking the documented wire format — requests verified against
//! the merchant's public key (`Authorization: WECHATPAY2-SHA256-RSA2048 …`), answers and
//! notifications signed with the platform key (`Wechatpay-Timestamp/-Nonce/-Signature/
//! -Serial`), notification resources encrypted with AEAD_AES_256_GCM under the APIv3 key,
//! errors as `{"code", "message"}` — and failing as the real one does on demand (system
//! errors, throttling, lost notifications).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use examreg_domain::{Clock, SystemClock};
use examreg_server::config::WechatPayConfig;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer as _, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};

pub const MCHID: &str = "1900000001";
pub const APPID: &str = "wx8888888888888888";
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012025020700000000000001";
pub const API_V3_KEY: &str = "examregSimulatorApiV3Key32Bytes!";

/// The key pairs of a run: made once per test process (2048-bit RSA takes a while).
fn keys() -> &'static (RsaPrivateKey, RsaPrivateKey, RsaPrivateKey) {
    static KEYS: OnceLock<(RsaPrivateKey, RsaPrivateKey, RsaPrivateKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rsa::rand_core::OsRng;
        let key = |rng: &mut rsa::rand_core::OsRng| RsaPrivateKey::new(rng, 2048).unwrap();
        (key(&mut rng), key(&mut rng), key(&mut rng))
    })
}

/// The merchant's key (examreg signs with it), WeChat Pay's platform key (the simulator
/// signs with it) and a third key nobody trusts (to forge with).
fn merchant_key() -> &'static RsaPrivateKey {
    &keys().0
}
fn platform_key() -> &'static RsaPrivateKey {
    &keys().1
}
fn stranger_key() -> &'static RsaPrivateKey {
    &keys().2
}

/// How the next call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 500 `SYSTEM_ERROR`.
    SystemError,
    /// 429 `FREQUENCY_LIMITED`.
    Throttled,
}

/// What the simulator knows of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTrade {
    pub out_trade_no: String,
    pub total: u32,
    pub description: String,
    /// `NOTPAY`, `SUCCESS`, `CLOSED`.
    pub state: String,
    pub transaction_id: Option<String>,
    pub success_time: Option<String>,
    pub notify_url: String,
    /// `native` or `h5`.
    pub kind: &'static str,
}

/// A notification as sent: the exact headers and body bytes.
#[derive(Debug, Clone)]
pub struct SimNotification {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the simulator knows of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRefund {
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub refund_id: String,
    pub refund: u32,
    pub reason: String,
    /// `PROCESSING`, `SUCCESS`.
    pub status: String,
    pub notify_url: String,
    pub success_time: Option<String>,
}

/// A line the bill shows beyond (or instead of) the simulator's own trades: to seed the
/// differences reconciliation must find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraBillLine {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub total: u32,
    /// `YYYY-MM-DD HH:MM:SS`, China time.
    pub time: String,
}

struct Sim {
    clock: Mutex<Arc<dyn Clock>>,
    extra_bill_lines: Mutex<Vec<ExtraBillLine>>,
    /// Trades the bill leaves out; amounts the bill shows differently.
    hidden_from_bill: Mutex<Vec<String>>,
    bill_amounts: Mutex<HashMap<String, u32>>,
    trades: Mutex<HashMap<String, SimTrade>>,
    refunds: Mutex<HashMap<String, SimRefund>>,
    failures: Mutex<VecDeque<Failure>>,
    /// Every call, as `METHOD path`.
    calls: Mutex<Vec<String>>,
    deliver_to: Mutex<Option<String>>,
    drop_notifications: Mutex<bool>,
    sequence: Mutex<u64>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").finish_non_exhaustive()
    }
}

/// The simulator on a random local port.
#[derive(Debug)]
pub struct WechatPaySim {
    pub address: SocketAddr,
    sim: Arc<Sim>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for WechatPaySim {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn now_of(sim: &Sim) -> time::OffsetDateTime {
    sim.clock.lock().unwrap().now()
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(examreg_domain::clock::CHINA_STANDARD_TIME)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Signs `body` as WeChat Pay signs answers and notifications, with `key`.
fn signed_headers(key: &RsaPrivateKey, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
    let nonce = nonce();
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(&message);
    vec![
        ("Wechatpay-Timestamp".into(), timestamp.to_string()),
        ("Wechatpay-Nonce".into(), nonce),
        (
            "Wechatpay-Signature".into(),
            STANDARD.encode(signature.to_bytes()),
        ),
        ("Wechatpay-Serial".into(), PUBLIC_KEY_ID.into()),
        (
            "Wechatpay-Signature-Type".into(),
            "WECHATPAY2-SHA256-RSA2048".into(),
        ),
    ]
}

fn answer(sim: &Sim, status: StatusCode, body: Option<Value>) -> Response {
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let mut response = (status, bytes.clone()).into_response();
    let headers = response.headers_mut();
    for (name, value) in signed_headers(platform_key(), now_of(sim).unix_timestamp(), &bytes) {
        headers.insert(
            axum::http::HeaderName::try_from(name).unwrap(),
            HeaderValue::from_str(&value).unwrap(),
        );
    }
    headers.insert("Request-ID", HeaderValue::from_str(&nonce()).unwrap());
    if status != StatusCode::NO_CONTENT {
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
    }
    response
}

fn error(sim: &Sim, status: StatusCode, code: &str, message: &str) -> Response {
    answer(
        sim,
        status,
        Some(json!({ "code": code, "message": message })),
    )
}

/// Checks the merchant's `Authorization` of a request; the error answer if it fails.
fn authorized(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Box<Response>> {
    let refuse = |why: &str| {
        Err(Box::new(error(
            sim,
            StatusCode::UNAUTHORIZED,
            "SIGN_ERROR",
            why,
        )))
    };
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return refuse("缺少Authorization");
    };
    let Some(params) = value.strip_prefix("WECHATPAY2-SHA256-RSA2048 ") else {
        return refuse("认证类型错误");
    };
    let field = |name: &str| {
        params.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
        })
    };
    let (Some(mchid), Some(nonce), Some(signature), Some(timestamp), Some(serial)) = (
        field("mchid"),
        field("nonce_str"),
        field("signature"),
        field("timestamp"),
        field("serial_no"),
    ) else {
        return refuse("Authorization格式错误");
    };
    if mchid != MCHID || serial != MERCHANT_SERIAL {
        return refuse("商户号或证书序列号错误");
    }
    let Ok(sent) = timestamp.parse::<i64>() else {
        return refuse("时间戳错误");
    };
    if (now_of(sim).unix_timestamp() - sent).abs() > 300 {
        return refuse("请求已过期");
    }
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let mut message = format!("{method}\n{path}\n{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let verifier = VerifyingKey::<Sha256>::new(RsaPublicKey::from(merchant_key()));
    let ok = STANDARD
        .decode(signature)
        .ok()
        .and_then(|b| Signature::try_from(b.as_slice()).ok())
        .is_some_and(|s| verifier.verify(&message, &s).is_ok());
    if ok { Ok(()) } else { refuse("签名错误") }
}

/// Common gate of every endpoint: the call log, an injected failure, the signature.
fn gate(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Box<Response>> {
    sim.calls
        .lock()
        .unwrap()
        .push(format!("{method} {}", uri.path()));
    if let Some(failure) = sim.failures.lock().unwrap().pop_front() {
        return Err(Box::new(match failure {
            Failure::SystemError => error(
                sim,
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "系统错误",
            ),
            Failure::Throttled => error(
                sim,
                StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "频率超限",
            ),
        }));
    }
    authorized(sim, method, uri, headers, body)
}

async fn place(
    sim: &Sim,
    kind: &'static str,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = gate(sim, &method, &uri, &headers, &body) {
        return *refused;
    }
    let Ok(order) = serde_json::from_slice::<Value>(&body) else {
        return error(
            sim,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "请求体不是JSON",
        );
    };
    let text = |name: &str| {
        order
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let total = order["amount"]["total"]
        .as_u64()
        .and_then(|t| u32::try_from(t).ok())
        .unwrap_or(0);
    let out_trade_no = text("out_trade_no");
    if text("mchid") != MCHID || text("appid") != APPID {
        return error(
            sim,
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配",
        );
    }
    if total == 0
        || !(6..=32).contains(&out_trade_no.len())
        || text("description").is_empty()
        || text("description").len() > 127
        || text("notify_url").is_empty()
        || time::OffsetDateTime::parse(
            &text("time_expire"),
            &time::format_description::well_known::Rfc3339,
        )
        .is_err()
        || (kind == "h5" && order["scene_info"]["payer_client_ip"].as_str().is_none())
    {
        return error(sim, StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    }
    let mut trades = sim.trades.lock().unwrap();
    if let Some(existing) = trades.get(&out_trade_no) {
        if existing.total != total || existing.state == "CLOSED" {
            return error(
                sim,
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "201 商户订单号重复",
            );
        }
        if existing.state == "SUCCESS" {
            return error(sim, StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付");
        }
    } else {
        trades.insert(
            out_trade_no.clone(),
            SimTrade {
                out_trade_no: out_trade_no.clone(),
                total,
                description: text("description"),
                state: "NOTPAY".into(),
                transaction_id: None,
                success_time: None,
                notify_url: text("notify_url"),
                kind,
            },
        );
    }
    drop(trades);
    let prepay = format!("wx{}", &nonce()[..26]);
    let body = if kind == "native" {
        json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr={}", &prepay[2..12]) })
    } else {
        json!({ "h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay}&package=1234567890") })
    };
    answer(sim, StatusCode::OK, Some(body))
}

fn transaction(trade: &SimTrade) -> Value {
    let mut t = json!({
        "appid": APPID,
        "mchid": MCHID,
        "out_trade_no": trade.out_trade_no,
        "trade_type": if trade.kind == "native" { "NATIVE" } else { "MWEB" },
        "trade_state": trade.state,
        "trade_state_desc": match trade.state.as_str() {
            "SUCCESS" => "支付成功",
            "CLOSED" => "订单已关闭",
            _ => "订单未支付",
        },
        "amount": { "total": trade.total, "currency": "CNY" },
    });
    if let (Some(id), Some(at)) = (&trade.transaction_id, &trade.success_time) {
        t["transaction_id"] = json!(id);
        t["success_time"] = json!(at);
        t["bank_type"] = json!("OTHERS");
        t["payer"] = json!({ "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" });
        t["amount"]["payer_total"] = json!(trade.total);
        t["amount"]["payer_currency"] = json!("CNY");
    }
    t
}

async fn query(
    State(sim): State<Arc<Sim>>,
    UrlPath(no): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = gate(&sim, &method, &uri, &headers, b"") {
        return *refused;
    }
    if query.get("mchid").map(String::as_str) != Some(MCHID) {
        return error(&sim, StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid错误");
    }
    let trade = sim.trades.lock().unwrap().get(&no).cloned();
    match trade {
        Some(trade) => answer(&sim, StatusCode::OK, Some(transaction(&trade))),
        None => error(&sim, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

async fn close(
    State(sim): State<Arc<Sim>>,
    UrlPath(no): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = gate(&sim, &method, &uri, &headers, &body) {
        return *refused;
    }
    let mut trades = sim.trades.lock().unwrap();
    match trades.get_mut(&no) {
        None => error(&sim, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
        Some(t) if t.state == "SUCCESS" => {
            error(&sim, StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付")
        }
        Some(t) => {
            t.state = "CLOSED".into();
            answer(&sim, StatusCode::NO_CONTENT, None)
        }
    }
}

fn refund_json(sim: &Sim, refund: &SimRefund) -> Value {
    let total = sim
        .trades
        .lock()
        .unwrap()
        .get(&refund.out_trade_no)
        .map_or(0, |t| t.total);
    let mut r = json!({
        "mchid": MCHID,
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "out_trade_no": refund.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "status": refund.status,
        "create_time": rfc3339(now_of(sim)),
        "amount": {
            "total": total,
            "refund": refund.refund,
            "payer_total": total,
            "payer_refund": refund.refund,
            "currency": "CNY",
        },
    });
    if let Some(at) = &refund.success_time {
        r["success_time"] = json!(at);
    }
    r
}

async fn refund(
    State(sim): State<Arc<Sim>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = gate(&sim, &method, &uri, &headers, &body) {
        return *refused;
    }
    let Ok(asked) = serde_json::from_slice::<Value>(&body) else {
        return error(
            &sim,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "请求体不是JSON",
        );
    };
    let text = |name: &str| {
        asked
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let amount = |name: &str| {
        asked["amount"][name]
            .as_u64()
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(0)
    };
    let (out_trade_no, out_refund_no) = (text("out_trade_no"), text("out_refund_no"));
    if let Some(existing) = sim.refunds.lock().unwrap().get(&out_refund_no).cloned() {
        return answer(&sim, StatusCode::OK, Some(refund_json(&sim, &existing)));
    }
    let Some(trade) = sim.trades.lock().unwrap().get(&out_trade_no).cloned() else {
        return error(
            &sim,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "订单不存在",
        );
    };
    if trade.state != "SUCCESS" {
        return error(
            &sim,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "订单未支付",
        );
    }
    let given: u32 = sim
        .refunds
        .lock()
        .unwrap()
        .values()
        .filter(|r| r.out_trade_no == out_trade_no)
        .map(|r| r.refund)
        .sum();
    if amount("total") != trade.total
        || amount("refund") == 0
        || given + amount("refund") > trade.total
    {
        return error(
            &sim,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "退款金额错误",
        );
    }
    let mut sequence = sim.sequence.lock().unwrap();
    *sequence += 1;
    let created = SimRefund {
        out_refund_no: out_refund_no.clone(),
        out_trade_no,
        refund_id: format!("50300{:024}", *sequence),
        refund: amount("refund"),
        reason: text("reason"),
        status: "PROCESSING".into(),
        notify_url: text("notify_url"),
        success_time: None,
    };
    drop(sequence);
    sim.refunds
        .lock()
        .unwrap()
        .insert(out_refund_no, created.clone());
    answer(&sim, StatusCode::OK, Some(refund_json(&sim, &created)))
}

async fn query_refund(
    State(sim): State<Arc<Sim>>,
    UrlPath(no): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = gate(&sim, &method, &uri, &headers, b"") {
        return *refused;
    }
    let refund = sim.refunds.lock().unwrap().get(&no).cloned();
    match refund {
        Some(r) => answer(&sim, StatusCode::OK, Some(refund_json(&sim, &r))),
        None => error(
            &sim,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "退款单不存在",
        ),
    }
}

fn yuan(fen: u32) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The trade bill (交易账单) of `day` (`YYYY-MM-DD`), as WeChat Pay writes it.
fn bill_text(sim: &Sim, day: &str) -> Option<String> {
    let hidden = sim.hidden_from_bill.lock().unwrap().clone();
    let amounts = sim.bill_amounts.lock().unwrap().clone();
    let mut rows: Vec<(String, String, String, u32)> = sim
        .trades
        .lock()
        .unwrap()
        .values()
        .filter(|t| t.state == "SUCCESS" && !hidden.contains(&t.out_trade_no))
        .filter_map(|t| {
            let at = time::OffsetDateTime::parse(
                t.success_time.as_deref()?,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()?;
            let at = at.to_offset(examreg_domain::clock::CHINA_STANDARD_TIME);
            let text = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            );
            let total = amounts.get(&t.out_trade_no).copied().unwrap_or(t.total);
            Some((
                text,
                t.transaction_id.clone()?,
                t.out_trade_no.clone(),
                total,
            ))
        })
        .collect();
    for extra in sim.extra_bill_lines.lock().unwrap().iter() {
        rows.push((
            extra.time.clone(),
            extra.transaction_id.clone(),
            extra.out_trade_no.clone(),
            extra.total,
        ));
    }
    rows.retain(|(at, ..)| at.starts_with(day));
    if rows.is_empty() {
        return None;
    }
    rows.sort();
    let mut text = String::from(
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n",
    );
    let mut total = 0;
    for (at, transaction_id, out_trade_no, fen) in &rows {
        total += fen;
        text.push_str(&format!(
            "`{at},`{APPID},`{MCHID},`0,`,`{transaction_id},`{out_trade_no},`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`{y},`0.00,`0,`0,`0.00,`0.00,`,`,`报名费,`,`0.00000,`0.60%,`{y},`0.00,`\r\n",
            y = yuan(*fen)
        ));
    }
    text.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n");
    text.push_str(&format!(
        "`{},`{},`0.00,`0.00,`0.00000,`{},`0.00\r\n",
        rows.len(),
        yuan(total),
        yuan(total)
    ));
    Some(text)
}

async fn trade_bill(
    State(sim): State<Arc<Sim>>,
    Query(query): Query<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = gate(&sim, &method, &uri, &headers, b"") {
        return *refused;
    }
    let Some(day) = query.get("bill_date").cloned() else {
        return error(
            &sim,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "缺少bill_date",
        );
    };
    let Some(text) = bill_text(&sim, &day) else {
        return error(
            &sim,
            StatusCode::BAD_REQUEST,
            "NO_STATEMENT_EXIST",
            "账单文件不存在",
        );
    };
    use sha1::Digest as _;
    let hash: String = sha1::Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    answer(
        &sim,
        StatusCode::OK,
        Some(json!({
            "hash_type": "SHA1",
            "hash_value": hash,
            "download_url": format!("http://{host}/v3/billdownload/file?token={day}"),
        })),
    )
}

async fn bill_file(
    State(sim): State<Arc<Sim>>,
    Query(query): Query<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = gate(&sim, &method, &uri, &headers, b"") {
        return *refused;
    }
    let day = query.get("token").cloned().unwrap_or_default();
    match bill_text(&sim, &day) {
        // The file itself is not signed: its hash came with the signed answer.
        Some(text) => (StatusCode::OK, text).into_response(),
        None => error(
            &sim,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "账单文件不存在",
        ),
    }
}

impl WechatPaySim {
    pub async fn start() -> WechatPaySim {
        keys();
        let sim = Arc::new(Sim {
            clock: Mutex::new(Arc::new(SystemClock)),
            extra_bill_lines: Mutex::new(Vec::new()),
            hidden_from_bill: Mutex::new(Vec::new()),
            bill_amounts: Mutex::new(HashMap::new()),
            trades: Mutex::new(HashMap::new()),
            refunds: Mutex::new(HashMap::new()),
            failures: Mutex::new(VecDeque::new()),
            calls: Mutex::new(Vec::new()),
            deliver_to: Mutex::new(None),
            drop_notifications: Mutex::new(false),
            sequence: Mutex::new(0),
        });
        let router = Router::new()
            .route(
                "/v3/pay/transactions/native",
                post(
                    |State(sim): State<Arc<Sim>>,
                     method: Method,
                     uri: Uri,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        place(&sim, "native", method, uri, headers, body).await
                    },
                ),
            )
            .route(
                "/v3/pay/transactions/h5",
                post(
                    |State(sim): State<Arc<Sim>>,
                     method: Method,
                     uri: Uri,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        place(&sim, "h5", method, uri, headers, body).await
                    },
                ),
            )
            .route("/v3/pay/transactions/out-trade-no/{no}", get(query))
            .route("/v3/pay/transactions/out-trade-no/{no}/close", post(close))
            .route("/v3/refund/domestic/refunds", post(refund))
            .route("/v3/refund/domestic/refunds/{no}", get(query_refund))
            .route("/v3/bill/tradebill", get(trade_bill))
            .route("/v3/billdownload/file", get(bill_file))
            .with_state(Arc::clone(&sim));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        WechatPaySim {
            address,
            sim,
            server,
        }
    }

    /// The merchant configuration examreg needs to talk to this simulator, with the key
    /// files written into `dir`.
    pub fn config(&self, dir: &Path, notify_url: &str) -> WechatPayConfig {
        let merchant = dir.join("apiclient_key.pem");
        let public = dir.join("pub_key.pem");
        std::fs::write(
            &merchant,
            merchant_key()
                .to_pkcs8_pem(LineEnding::LF)
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        std::fs::write(
            &public,
            RsaPublicKey::from(platform_key())
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
        )
        .unwrap();
        let text = format!(
            "base_url = \"http://{}\"\nmchid = \"{MCHID}\"\nappid = \"{APPID}\"\n\
             merchant_serial_no = \"{MERCHANT_SERIAL}\"\n\
             merchant_private_key_file = \"{}\"\npublic_key_id = \"{PUBLIC_KEY_ID}\"\n\
             public_key_file = \"{}\"\napi_v3_key = \"{API_V3_KEY}\"\nnotify_url = \"{notify_url}\"\n\
             timeout_secs = 3\n",
            self.address,
            merchant.display(),
            public.display()
        );
        toml::from_str(&text).unwrap()
    }

    /// Timestamps come from `clock` (the app's, in tests that move time).
    pub fn use_clock(&self, clock: Arc<dyn Clock>) {
        *self.sim.clock.lock().unwrap() = clock;
    }

    /// Notifications go to `base` + the path of the order's `notify_url` (the app's port
    /// is known only once it runs).
    pub fn deliver_to(&self, base: &str) {
        *self.sim.deliver_to.lock().unwrap() = Some(base.trim_end_matches('/').to_owned());
    }

    /// Notifications are made but never sent (a lost notification).
    pub fn drop_notifications(&self, drop: bool) {
        *self.sim.drop_notifications.lock().unwrap() = drop;
    }

    /// The next calls fail, in this order.
    pub fn fail_next(&self, failures: &[Failure]) {
        self.sim
            .failures
            .lock()
            .unwrap()
            .extend(failures.iter().copied());
    }

    pub fn trade(&self, out_trade_no: &str) -> Option<SimTrade> {
        self.sim.trades.lock().unwrap().get(out_trade_no).cloned()
    }

    pub fn trades(&self) -> Vec<SimTrade> {
        self.sim.trades.lock().unwrap().values().cloned().collect()
    }

    /// Every call so far, as `METHOD path`.
    pub fn calls(&self) -> Vec<String> {
        self.sim.calls.lock().unwrap().clone()
    }

    /// The payer pays `out_trade_no`: the trade succeeds now and its notification is sent
    /// (unless notifications are dropped) and returned, to replay or tamper with.
    pub async fn pay(&self, out_trade_no: &str) -> SimNotification {
        let trade = {
            let mut trades = self.sim.trades.lock().unwrap();
            let trade = trades
                .get_mut(out_trade_no)
                .unwrap_or_else(|| panic!("no trade {out_trade_no} at the simulator"));
            assert_eq!(trade.state, "NOTPAY", "only an unpaid trade can be paid");
            let mut sequence = self.sim.sequence.lock().unwrap();
            *sequence += 1;
            let now = now_of(&self.sim);
            trade.state = "SUCCESS".into();
            trade.transaction_id = Some(format!(
                "4200{:04}{:02}{:02}{:016}",
                now.year(),
                u8::from(now.month()),
                now.day(),
                *sequence
            ));
            trade.success_time = Some(rfc3339(now));
            trade.clone()
        };
        let notification = self.notification(&transaction(&trade), Signer::Platform);
        if !*self.sim.drop_notifications.lock().unwrap() {
            self.send(&trade.notify_url, &notification).await;
        }
        notification
    }

    /// The bill shows `line` too.
    pub fn add_bill_line(&self, line: ExtraBillLine) {
        self.sim.extra_bill_lines.lock().unwrap().push(line);
    }

    /// The bill leaves the trade `out_trade_no` out.
    pub fn hide_from_bill(&self, out_trade_no: &str) {
        self.sim
            .hidden_from_bill
            .lock()
            .unwrap()
            .push(out_trade_no.to_owned());
    }

    /// The bill shows the trade `out_trade_no` for `total` fen.
    pub fn bill_amount(&self, out_trade_no: &str, total: u32) {
        self.sim
            .bill_amounts
            .lock()
            .unwrap()
            .insert(out_trade_no.to_owned(), total);
    }

    pub fn refund(&self, out_refund_no: &str) -> Option<SimRefund> {
        self.sim.refunds.lock().unwrap().get(out_refund_no).cloned()
    }

    /// WeChat Pay finishes a refund: it succeeds now and `REFUND.SUCCESS` is sent (unless
    /// notifications are dropped) and returned.
    pub async fn complete_refund(&self, out_refund_no: &str) -> SimNotification {
        let refund = {
            let mut refunds = self.sim.refunds.lock().unwrap();
            let refund = refunds
                .get_mut(out_refund_no)
                .unwrap_or_else(|| panic!("no refund {out_refund_no} at the simulator"));
            refund.status = "SUCCESS".into();
            refund.success_time = Some(rfc3339(now_of(&self.sim)));
            refund.clone()
        };
        // The notification names the status `refund_status`.
        let mut resource = refund_json(&self.sim, &refund);
        if let Some(fields) = resource.as_object_mut()
            && let Some(status) = fields.remove("status")
        {
            fields.insert("refund_status".to_owned(), status);
        }
        let notification = self.event("REFUND.SUCCESS", "refund", &resource, Signer::Platform);
        if !*self.sim.drop_notifications.lock().unwrap() {
            self.send(&refund.notify_url, &notification).await;
        }
        notification
    }

    /// A `TRANSACTION.SUCCESS` notification of `transaction`, encrypted under the APIv3
    /// key and signed by `signer` now.
    pub fn notification(&self, transaction: &Value, signer: Signer) -> SimNotification {
        self.event("TRANSACTION.SUCCESS", "transaction", transaction, signer)
    }

    /// A notification of `event_type` whose resource is `resource` (of `original_type`).
    pub fn event(
        &self,
        event_type: &str,
        original_type: &str,
        resource: &Value,
        signer: Signer,
    ) -> SimNotification {
        let plain = resource.to_string();
        let nonce: String = nonce()[..12].to_owned();
        let aad = original_type;
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(
            <[u8; 32]>::try_from(API_V3_KEY.as_bytes()).unwrap(),
        ));
        let nonce_bytes: [u8; 12] = nonce.as_bytes().try_into().unwrap();
        let ciphertext = cipher
            .encrypt(
                &Nonce::from(nonce_bytes),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .unwrap();
        let now = now_of(&self.sim);
        let body = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "create_time": rfc3339(now),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": if original_type == "refund" { "退款成功" } else { "支付成功" },
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": STANDARD.encode(ciphertext),
                "associated_data": aad,
                "nonce": nonce,
            },
        })
        .to_string()
        .into_bytes();
        let key = match signer {
            Signer::Platform => platform_key(),
            Signer::Stranger => stranger_key(),
        };
        SimNotification {
            headers: signed_headers(key, now.unix_timestamp(), &body),
            body,
        }
    }

    /// Sends `notification` to `notify_url` (redirected by [`Self::deliver_to`]); the
    /// status examreg answered.
    pub async fn send(&self, notify_url: &str, notification: &SimNotification) -> StatusCode {
        let url = match self.sim.deliver_to.lock().unwrap().clone() {
            Some(base) => {
                let path = notify_url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
                    .unwrap_or_default();
                format!("{base}{path}")
            }
            None => notify_url.to_owned(),
        };
        let mut request = crate::http().post(url).body(notification.body.clone());
        for (name, value) in &notification.headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => StatusCode::from_u16(response.status().as_u16()).unwrap(),
            Err(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

/// Who signs a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// WeChat Pay's platform key: what examreg trusts.
    Platform,
    /// A key nobody trusts: a forgery.
    Stranger,
}

/// An app whose provider is WeChat Pay, talking to a simulator that shares its clock and
/// delivers notifications to it.
#[derive(Debug)]
pub struct WechatPayApp {
    pub app: crate::TestApp,
    pub sim: WechatPaySim,
    _keys: tempfile::TempDir,
}

/// Where the app says WeChat Pay should notify (the simulator redirects to the app).
pub const NOTIFY_URL: &str = "https://examreg.example.cn/api/v1/payments/wechatpay/notify";

impl WechatPayApp {
    pub async fn start() -> WechatPayApp {
        let sim = WechatPaySim::start().await;
        let keys = tempfile::tempdir().unwrap();
        let config = sim.config(keys.path(), NOTIFY_URL);
        let app = crate::TestApp::builder()
            .configure(move |c| {
                c.payments.provider = examreg_server::config::PaymentProviderConfig::Wechatpay;
                c.payments.wechatpay = Some(config);
            })
            .build()
            .await;
        sim.use_clock(app.clock.clone() as Arc<dyn Clock>);
        sim.deliver_to(&app.url(""));
        WechatPayApp {
            app,
            sim,
            _keys: keys,
        }
    }
}
