//! `stanza_rate`: a client that sends faster than its listener allows is slowed down (the
//! server stops reading until the next stanza is allowed), not disconnected, and nothing it
//! sent is lost; on a listener without the limit the same burst is answered at once.

use std::time::{Duration, Instant};

use impetus_tests::{RawClient, Server, config, free_ports, plain_listen};

/// Sends `count` pings in one write and returns how long the last result took.
fn burst_of_pings(client: &mut RawClient, count: usize) -> Duration {
    let pings: String = (0..count)
        .map(|i| {
            format!(
                "<iq type='get' to='localhost' id='rate-{i}'><ping xmlns='urn:xmpp:ping'/></iq>"
            )
        })
        .collect();
    let started = Instant::now();
    client.send(&pings);
    let last = format!("id=\"rate-{}\"", count - 1);
    let received = client.read_until(&last, Duration::from_secs(20));
    let elapsed = started.elapsed();
    for i in 0..count {
        assert!(
            received.contains(&format!("id=\"rate-{i}\" type=\"result\"")),
            "no result for ping {i}: {received}"
        );
    }
    assert!(!received.contains("stream:error"), "{received}");
    elapsed
}

#[test]
fn a_fast_client_is_slowed_down_not_disconnected() {
    let [tls_port, limited, free] = free_ports();
    let listens = plain_listen(limited, "stanza_rate = \"5/1\"")
        + &plain_listen(free, "stanza_rate = \"0/1\"");
    let mut server = Server::start(&config(tls_port, &listens, ""), tls_port);
    server.wait_for_port(limited);
    server.wait_for_port(free);
    RawClient::create_account(limited, "alice", "secret");

    // A burst of 5 passes at once; the 10 after it come at 5 per second: about 2 s.
    let mut slowed = RawClient::login(limited, "alice", "secret", "slowed");
    let elapsed = burst_of_pings(&mut slowed, 15);
    assert!(
        elapsed >= Duration::from_millis(1600),
        "15 pings at 5/s were answered in {elapsed:?}"
    );
    slowed.assert_ping("still-connected");

    let mut unlimited = RawClient::login(free, "alice", "secret", "unlimited");
    let elapsed = burst_of_pings(&mut unlimited, 15);
    assert!(
        elapsed < Duration::from_millis(1500),
        "without a limit 15 pings took {elapsed:?}"
    );
}
