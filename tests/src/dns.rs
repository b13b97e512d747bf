//! A fake DNS server for federation tests: UDP on 127.0.0.1, answering SRV and A questions
//! from a fixed zone (NXDOMAIN for unknown names) and recording every question, so tests can
//! point `s2s_nameservers` at it and never touch the machine's resolver.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

use hickory_resolver::proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, SRV};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

/// A record the fake DNS server answers with.
#[derive(Debug, Clone)]
pub enum Zone {
    /// `name SRV priority weight port target`.
    Srv(String, u16, u16, u16, String),
    /// `name A address`.
    A(String, Ipv4Addr),
}

/// A UDP DNS server on 127.0.0.1 answering from a fixed zone (NXDOMAIN for unknown names);
/// it records every question. Runs until the process ends.
pub struct FakeDns {
    /// Its address, for `s2s_nameservers`.
    pub address: SocketAddr,
    questions: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeDns {
    /// Starts the server.
    pub fn start(zone: Vec<Zone>) -> FakeDns {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind DNS");
        let address = socket.local_addr().expect("addr");
        let questions = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = questions.clone();
        std::thread::spawn(move || {
            let mut packet = [0u8; 1500];
            while let Ok((n, from)) = socket.recv_from(&mut packet) {
                let Ok(query) = Message::from_vec(&packet[..n]) else {
                    continue;
                };
                if let Some(question) = query.queries.first() {
                    log.lock().expect("log").push(format!(
                        "{} {}",
                        question.name(),
                        question.query_type()
                    ));
                }
                if let Some(bytes) = answer(&query, &zone) {
                    let _ = socket.send_to(&bytes, from);
                }
            }
        });
        FakeDns { address, questions }
    }

    /// The questions asked so far, as "name TYPE".
    pub fn questions(&self) -> Vec<String> {
        self.questions.lock().expect("log").clone()
    }
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).expect("DNS name")
}

fn answer(query: &Message, zone: &[Zone]) -> Option<Vec<u8>> {
    let question = query.queries.first()?;
    let asked = question.name().to_ascii().to_ascii_lowercase();
    let mut reply = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_query(question.clone());
    let mut known = false;
    for record in zone {
        let (owner, rtype, data) = match record {
            Zone::Srv(owner, priority, weight, port, target) => (
                owner,
                RecordType::SRV,
                RData::SRV(SRV::new(*priority, *weight, *port, name(target))),
            ),
            Zone::A(owner, ip) => (owner, RecordType::A, RData::A(A(*ip))),
        };
        if owner.eq_ignore_ascii_case(&asked) {
            known = true;
            if rtype == question.query_type() {
                reply.add_answer(Record::from_rdata(name(owner), 60, data));
            }
        }
    }
    if !known {
        reply.metadata.response_code = ResponseCode::NXDomain;
    }
    reply.to_vec().ok()
}
