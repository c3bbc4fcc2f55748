//! The notification outbox and its transports.

use examreg_domain::Clock;
use examreg_server::config::EmailTransport;
use examreg_server::jobs::deliver_notifications::run_once;
use examreg_store::notifications::{self, Channel};
use examreg_test_support::TestApp;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server that accepts every message and hands each one's DATA back.
async fn smtp_sink(listener: TcpListener) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            tx.send(data.take().unwrap()).unwrap();
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    rx
}

#[tokio::test]
async fn email_goes_through_smtp_and_is_retried_until_it_does() {
    // Reserve a port, but start the relay only later: the first attempt must fail.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let app = TestApp::builder()
        .configure(move |c| {
            c.notifications.email = EmailTransport::Smtp {
                host: "127.0.0.1".into(),
                port,
                from: "noreply@examreg.test".into(),
            };
        })
        .build()
        .await;
    let now = app.clock.now();
    {
        let txn = app.state.store.write().await.unwrap();
        notifications::enqueue(
            &*txn,
            Channel::Email,
            "li.hua@example.com",
            "找回密码验证码",
            "您的验证码为 123456",
            now,
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }

    assert_eq!(run_once(&app.state).await.unwrap(), 0, "the relay is down");
    let pending = notifications::pending(app.state.store.conn())
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "kept for a retry");
    assert_eq!(pending[0].attempts, 1);
    assert_eq!(
        run_once(&app.state).await.unwrap(),
        0,
        "not due again before its back-off"
    );

    let mut received = smtp_sink(TcpListener::bind(("127.0.0.1", port)).await.unwrap()).await;
    app.clock.advance(time::Duration::minutes(3));
    assert_eq!(run_once(&app.state).await.unwrap(), 1);
    let data = received.recv().await.unwrap();
    assert!(data.contains("To: li.hua@example.com"), "{data}");
    assert!(data.contains("From: noreply@examreg.test"), "{data}");
    assert!(
        notifications::pending(app.state.store.conn())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        run_once(&app.state).await.unwrap(),
        0,
        "sent once, never again"
    );
}

#[tokio::test]
async fn two_workers_never_send_the_same_message_twice() {
    let app = TestApp::new().await;
    let now = app.clock.now();
    {
        let txn = app.state.store.write().await.unwrap();
        for n in 0..20 {
            notifications::enqueue(
                &*txn,
                Channel::Sms,
                "13812345678",
                "验证码",
                &format!("message {n}"),
                now,
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
    }
    let (a, b) = tokio::join!(run_once(&app.state), run_once(&app.state));
    assert_eq!(a.unwrap() + b.unwrap(), 20);
    let files = std::fs::read_dir(app.data_dir.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(files, 20);
}
