use sakip::projection::*;
use std::time::Instant;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let store = sakip::store::Store::open(std::path::Path::new(&dir), false).unwrap();
    let head = store.head().unwrap().unwrap();
    let q = Query {
        year: 2021,
        as_of: 4,
        known: head.count - 1,
        approved_only: false,
    };
    let r: &dyn IndexRead = &store;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..100 {
            indicators(r, q.known).unwrap();
        }
        println!("indicators {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
        let t = Instant::now();
        for _ in 0..100 {
            items(r, q.known).unwrap();
        }
        println!("items {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
        let t = Instant::now();
        for _ in 0..100 {
            for tag in [b'T', b'R'] {
                r.range(&[tag, 7, 0xe5], &[tag, 7, 0xe6]).unwrap();
            }
        }
        println!("range {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
        let t = Instant::now();
        for _ in 0..100 {
            r.range(&[b'A', 0, 0, 0, 0, 0, 0, 0, 0], &[b'A', 0, 0, 0, 0, 0, 0, 2, 0])
                .unwrap();
        }
        println!("A range {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
        let t = Instant::now();
        for _ in 0..100 {
            state(r, &q).unwrap();
        }
        println!("state {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
    }
}
