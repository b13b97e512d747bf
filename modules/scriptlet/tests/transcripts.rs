//! Runs every transcript in `scriptlets/tests/*.txt` against the real scriptlet host, an
//! in-memory store and in-process sessions, and reports failures by file and line.
//!
//! Transcript syntax (a scriptlet author needs no Rust):
//!
//! ```text
//! # comment
//! load xmpp-presence msys.xmpp.presence   (optional; scripts to load, default: the presence script)
//! account carol                          (an account that never connects)
//! alice connects                         (alice@example.com/main; `alice/laptop` is another resource)
//! alice sends:
//!   <iq type="get" id="r1"><query xmlns="jabber:iq:roster"/></iq>
//! alice receives:
//!   <iq type="result" id="r1" to="alice@example.com/main"><query xmlns="jabber:iq:roster"/></iq>
//! alice receives nothing
//! alice disconnects
//! ```
//!
//! A `receives:` block matches the next stanzas the actor got, in any order. An attribute or
//! text of `*` matches any value; attributes must otherwise be exactly the expected ones.
//! At the end every actor must have received nothing more.

mod common;

use std::path::{Path, PathBuf};

use common::{World, config, parse_stanzas};
use impetus_xml::{Element, Node};

#[derive(Debug)]
enum Step {
    Account(String),
    Connect(String),
    Disconnect(String),
    Send(String, String),
    Receive(String, String),
    Nothing(String),
}

/// A step and the line it starts on.
type Script = (Vec<(String, String)>, Vec<(usize, Step)>);

fn parse(text: &str) -> Result<Script, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut loads = Vec::new();
    let mut steps = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let number = index + 1;
        index += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            return Err(format!("line {number}: indented text outside a block"));
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let block = |index: &mut usize| {
            let mut xml = String::new();
            while *index < lines.len()
                && (lines[*index].trim().is_empty()
                    || lines[*index].starts_with(char::is_whitespace))
            {
                xml.push_str(lines[*index].trim());
                xml.push('\n');
                *index += 1;
            }
            xml
        };
        let step = match words.as_slice() {
            ["load", name, source] => {
                loads.push((name.to_string(), source.to_string()));
                continue;
            }
            ["account", name] => Step::Account(name.to_string()),
            [actor, "connects"] => Step::Connect(actor.to_string()),
            [actor, "disconnects"] => Step::Disconnect(actor.to_string()),
            [actor, "receives", "nothing"] => Step::Nothing(actor.to_string()),
            [actor, "sends:"] => Step::Send(actor.to_string(), block(&mut index)),
            [actor, "receives:"] => Step::Receive(actor.to_string(), block(&mut index)),
            _ => return Err(format!("line {number}: cannot read '{trimmed}'")),
        };
        steps.push((number, step));
    }
    Ok((loads, steps))
}

/// Whether `actual` has the shape `expected` describes (see the file comment).
fn matches(expected: &Element, actual: &Element) -> bool {
    if expected.name != actual.name || expected.ns != actual.ns {
        return false;
    }
    if expected.attrs.len() != actual.attrs.len() {
        return false;
    }
    let attrs_match = expected.attrs.iter().all(|(key, value)| {
        actual
            .attr(key)
            .is_some_and(|found| value == "*" || found == value)
    });
    let text = expected.text();
    let text_matches = text.trim() == "*" || text.trim() == actual.text().trim();
    let expected_children: Vec<&Element> = expected.elements().collect();
    let actual_children: Vec<&Element> = actual.elements().collect();
    attrs_match
        && text_matches
        && expected_children.len() == actual_children.len()
        && expected_children
            .iter()
            .zip(&actual_children)
            .all(|(e, a)| matches(e, a))
}

fn show(elements: &[Element]) -> String {
    elements
        .iter()
        .map(|e| format!("    {}", e.to_string_in("jabber:client")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn strip_blank_text(element: &mut Element) {
    element
        .children
        .retain(|c| !matches!(c, Node::Text(t) if t.trim().is_empty()));
    for child in &mut element.children {
        if let Node::Element(e) = child {
            strip_blank_text(e);
        }
    }
}

fn receive(world: &mut World, actor: &str, xml: &str) -> Result<(), String> {
    let mut expected = parse_stanzas(xml)?;
    expected.iter_mut().for_each(strip_blank_text);
    world.drain();
    let queue = &mut world
        .actors
        .get_mut(actor)
        .ok_or(format!("{actor} is not connected"))?
        .received;
    let got: Vec<Element> = queue.drain(..expected.len().min(queue.len())).collect();
    let mut unmatched: Vec<&Element> = got.iter().collect();
    for want in &expected {
        match unmatched.iter().position(|g| matches(want, g)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => {
                return Err(format!(
                    "{actor} did not receive\n    {}\nbut received\n{}",
                    want.to_string_in("jabber:client"),
                    if got.is_empty() {
                        "    nothing".to_owned()
                    } else {
                        show(&got)
                    }
                ));
            }
        }
    }
    Ok(())
}

fn run(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let (loads, steps) = parse(&text)?;
    let scripts_dir = path.parent().unwrap_or(Path::new("."));
    let loads = if loads.is_empty() {
        vec![("xmpp-presence".to_owned(), "msys.xmpp.presence".to_owned())]
    } else {
        loads
    };
    let mut body = format!("  script_path = ( \"{}\" )\n", scripts_dir.display());
    for (name, source) in &loads {
        body.push_str(&format!(
            "  script \"{name}\" {{ source = \"{source}\" }}\n"
        ));
    }
    let mut world = World::new(&config(&body));
    for (line, step) in steps {
        let outcome = match &step {
            Step::Account(name) => {
                world.account(name);
                Ok(())
            }
            Step::Connect(actor) => {
                world.connect(actor);
                Ok(())
            }
            Step::Disconnect(actor) => world.disconnect(actor),
            Step::Send(actor, xml) => parse_stanzas(xml).and_then(|stanzas| {
                stanzas
                    .into_iter()
                    .try_for_each(|stanza| world.send(actor, stanza))
            }),
            Step::Receive(actor, xml) => receive(&mut world, actor, xml),
            Step::Nothing(actor) => {
                world.drain();
                match world.actors.get(actor) {
                    Some(a) if a.received.is_empty() => Ok(()),
                    Some(a) => Err(format!(
                        "{actor} should have received nothing but received\n{}",
                        show(&a.received.iter().cloned().collect::<Vec<_>>())
                    )),
                    None => Err(format!("{actor} is not connected")),
                }
            }
        };
        outcome.map_err(|e| format!("line {line}: {e}"))?;
    }
    world.drain();
    let mut names: Vec<&String> = world.actors.keys().collect();
    names.sort();
    for name in names {
        let left = &world.actors[name].received;
        if !left.is_empty() {
            return Err(format!(
                "end of transcript: {name} received stanzas no step expected\n{}",
                show(&left.iter().cloned().collect::<Vec<_>>())
            ));
        }
    }
    Ok(())
}

fn transcripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scriptlets/tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scriptlets/tests exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// Every transcript passes; failures name the file and line.
#[test]
fn transcripts_pass() {
    let files = transcripts();
    assert!(!files.is_empty(), "no transcripts found");
    let only = std::env::var("TRANSCRIPT").ok();
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        if let Err(e) = run(file) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} transcript(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The matcher honours wildcards and rejects extra attributes or children.
#[test]
fn the_matcher_is_strict_except_for_wildcards() {
    let want = &parse_stanzas("<iq type='result' id='*'><query xmlns='q' ver='*'/></iq>")
        .expect("parses")[0];
    let good = &parse_stanzas("<iq type='result' id='7'><query xmlns='q' ver='3'/></iq>")
        .expect("parses")[0];
    let extra = &parse_stanzas("<iq type='result' id='7' to='x'><query xmlns='q' ver='3'/></iq>")
        .expect("parses")[0];
    let child =
        &parse_stanzas("<iq type='result' id='7'><query xmlns='q' ver='3'><item/></query></iq>")
            .expect("parses")[0];
    assert!(matches(want, good));
    assert!(!matches(want, extra));
    assert!(!matches(want, child));
}
