//! The BoltDB reader and the Skycoin layer against the reference node's
//! databases in `shared/vectors/skycoin/chain/`; every expected value comes
//! from the vector files next to them.

// One module so that `cargo test bolt` selects every test here.
mod bolt {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use rand::{Rng, SeedableRng};
    use serde_json::Value;
    use skyx_coins::sky::address::Address;
    use skyx_coins::sky::encoding::encode;
    use skyx_coins::sky::params::MAINNET;
    use skyx_node::bolt::page::{Page, PageHeader, LEAF_PAGE};
    use skyx_node::bolt::skycoin::{for_each_block, head_seq, read_reference_db, ReferenceDb};
    use skyx_node::bolt::{BoltDb, BoltError};

    fn vectors() -> PathBuf {
        match std::env::var_os("SKYX_VECTORS") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
        }
    }

    fn chain(name: &str) -> PathBuf {
        vectors().join("skycoin/chain").join(name)
    }

    const MAIN: &str = "blockchain-180.db";
    const NO_UNCONFIRMED: &str = "blockchain-180-no-unconfirmed.db";

    fn json(name: &str) -> Value {
        let text = std::fs::read_to_string(chain(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn jsonl(name: &str) -> Vec<Value> {
        std::fs::read_to_string(chain(name))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn hex_of(v: &Value, field: &str) -> Vec<u8> {
        const_hex::decode(v[field].as_str().unwrap()).unwrap()
    }

    fn be_u64(bytes: &[u8]) -> u64 {
        u64::from_be_bytes(bytes.try_into().unwrap())
    }

    fn check_blocks(db: &ReferenceDb) {
        let lines = jsonl("blockchain-180.blocks.jsonl");
        assert_eq!(db.blocks.len(), lines.len());
        assert_eq!(db.blocks.len(), 181);
        for (b, line) in db.blocks.iter().zip(&lines) {
            let seq = line["seq"].as_u64().unwrap();
            assert_eq!(b.block.seq(), seq);
            assert_eq!(encode(&b.block), hex_of(line, "block_hex"), "block {seq}");
            assert_eq!(b.sig.to_hex(), line["sig"].as_str().unwrap(), "sig {seq}");
            assert_eq!(b.block.hash().to_hex(), line["hash"].as_str().unwrap());
        }
        // The meta files say the signatures were checked: by the publisher key.
        let publisher = MAINNET.publisher_key().unwrap();
        for b in &db.blocks {
            b.verify_signature(&publisher).unwrap();
        }
    }

    fn check_meta_file(path: &Path, meta_name: &str) {
        let meta = json(meta_name);
        let db = BoltDb::open(path).unwrap();
        let m = db.meta();
        let bolt = &meta["bolt_meta"];
        assert_eq!(u64::from(m.page_size), bolt["page_size"].as_u64().unwrap());
        assert_eq!(m.pgid, bolt["pgid"].as_u64().unwrap());
        assert_eq!(m.root, bolt["root"].as_u64().unwrap());
        assert_eq!(m.txid, bolt["txid"].as_u64().unwrap());

        // Every listed bucket with its key count, and no other bucket.
        let listed = meta["buckets"].as_object().unwrap();
        let names: Vec<String> = db
            .bucket_names()
            .unwrap()
            .into_iter()
            .map(|n| String::from_utf8(n).unwrap())
            .collect();
        let mut expected: Vec<String> = listed.keys().cloned().collect();
        expected.sort();
        assert_eq!(names, expected);
        for (name, count) in listed {
            let bucket = db.bucket(name.as_bytes()).unwrap().unwrap();
            let keys: Vec<Vec<u8>> = bucket.iter().map(|e| e.unwrap().0).collect();
            assert_eq!(keys.len() as u64, count.as_u64().unwrap(), "bucket {name}");
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "order in {name}");
            assert!(bucket.bucket_names().unwrap().is_empty());
        }

        let get = |bucket: &str, key: &str| {
            db.bucket(bucket.as_bytes())
                .unwrap()
                .unwrap()
                .get(key.as_bytes())
                .unwrap()
        };
        assert_eq!(
            be_u64(&get("blockchain_meta", "head_seq").unwrap()),
            meta["blockchain_meta"]["head_seq"].as_u64().unwrap()
        );
        assert_eq!(
            Some(meta["blockchain_meta"]["head_seq"].as_u64().unwrap()),
            head_seq(&db).unwrap()
        );
        assert_eq!(
            be_u64(&get("history_meta", "parsed_height").unwrap()),
            meta["history_meta"]["parsed_height"].as_u64().unwrap()
        );
        let unspent_meta = meta["unspent_meta"].as_object().unwrap();
        assert_eq!(
            const_hex::encode(get("unspent_meta", "xorhash").unwrap()),
            unspent_meta["xorhash"].as_str().unwrap()
        );
        assert_eq!(
            unspent_meta["xorhash"].as_str(),
            meta["computed_xorhash"].as_str()
        );
        match unspent_meta.get("addr_index_height") {
            Some(h) => assert_eq!(
                be_u64(&get("unspent_meta", "addr_index_height").unwrap()),
                h.as_u64().unwrap()
            ),
            None => assert_eq!(get("unspent_meta", "addr_index_height"), None),
        }

        // The unconfirmed pool's stored values and its outputs.
        let pool = db.bucket(b"unconfirmed_txns").unwrap().unwrap();
        let stored: Vec<(Vec<u8>, Vec<u8>)> = pool.iter().map(Result::unwrap).collect();
        let listed = meta["unconfirmed_txns"].as_array().unwrap();
        assert_eq!(stored.len(), listed.len());
        for ((k, v), u) in stored.iter().zip(listed) {
            assert_eq!(k, u["key"].as_str().unwrap().as_bytes());
            assert_eq!(v, &hex_of(u, "value_hex"));
        }
        let spends = db.bucket(b"unconfirmed_unspents").unwrap().unwrap();
        let stored: Vec<(Vec<u8>, Vec<u8>)> = spends.iter().map(Result::unwrap).collect();
        let listed = meta["unconfirmed_unspents"].as_array().unwrap();
        assert_eq!(stored.len(), listed.len());
        for ((k, v), u) in stored.iter().zip(listed) {
            assert_eq!(k, u["key"].as_str().unwrap().as_bytes());
            assert_eq!(v, &hex_of(u, "value_hex"));
        }
    }

    #[test]
    fn bolt_meta_buckets_and_counts_match_the_meta_files() {
        check_meta_file(&chain(MAIN), "blockchain-180.meta.json");
        check_meta_file(
            &chain(NO_UNCONFIRMED),
            "blockchain-180-no-unconfirmed.meta.json",
        );
    }

    #[test]
    fn reads_the_chain_and_the_unconfirmed_pool() {
        let db = read_reference_db(chain(MAIN)).unwrap();
        assert_eq!(db.head_seq, Some(180));
        check_blocks(&db);

        let meta = json("blockchain-180.meta.json");
        let listed = meta["unconfirmed_txns"].as_array().unwrap();
        assert_eq!(db.unconfirmed.len(), listed.len());
        assert_eq!(db.unconfirmed.len(), 1);
        for (u, want) in db.unconfirmed.iter().zip(listed) {
            let t = &want["txn"];
            assert_eq!(u.txn.hash().to_hex(), t["txid"].as_str().unwrap());
            assert!(t["txid"].as_str().unwrap().starts_with("701d23fd"));
            assert_eq!(u.txn.encode(), hex_of(t, "raw"));
            assert_eq!(u64::from(u.txn.length), t["length"].as_u64().unwrap());
            assert_eq!(u.txn.inputs.len(), t["inputs"].as_array().unwrap().len());
            assert_eq!(u.txn.outputs.len(), t["outputs"].as_array().unwrap().len());
            assert_eq!(u.received, want["received"].as_i64().unwrap());
            assert_eq!(u.checked, want["checked"].as_i64().unwrap());
            assert_eq!(u.announced, want["announced"].as_i64().unwrap());
            assert_eq!(i64::from(u.is_valid), want["is_valid"].as_i64().unwrap());
            let txid = u.txn.hash();
            for (o, w) in u.txn.outputs.iter().zip(t["outputs"].as_array().unwrap()) {
                assert_eq!(o.address.to_string(), w["address"].as_str().unwrap());
                assert_eq!(o.coins, w["coins"].as_u64().unwrap());
                assert_eq!(o.hours, w["hours"].as_u64().unwrap());
                assert_eq!(o.uxid(&txid).to_hex(), w["uxid"].as_str().unwrap());
            }
        }

        let none = read_reference_db(chain(NO_UNCONFIRMED)).unwrap();
        assert_eq!(none.head_seq, Some(180));
        assert!(none.unconfirmed.is_empty());
        assert_eq!(none.blocks, db.blocks);
    }

    #[test]
    fn streams_the_same_blocks() {
        let all = read_reference_db(chain(MAIN)).unwrap();
        let mut seen = Vec::new();
        let head = for_each_block(chain(MAIN), |b| {
            seen.push(b);
            Ok::<(), BoltError>(())
        })
        .unwrap();
        assert_eq!(head, Some(180));
        assert_eq!(seen, all.blocks);

        // The callback's own error stops the walk.
        #[derive(Debug)]
        enum Stop {
            At(u64),
            Bolt(BoltError),
        }
        impl From<BoltError> for Stop {
            fn from(e: BoltError) -> Self {
                Stop::Bolt(e)
            }
        }
        let mut count = 0;
        let r = for_each_block(chain(MAIN), |b| {
            count += 1;
            if b.block.seq() == 10 {
                return Err(Stop::At(10));
            }
            Ok(())
        });
        if let Err(Stop::Bolt(e)) = &r {
            panic!("unexpected reader error: {e}");
        }
        let Err(Stop::At(at)) = r else {
            panic!("expected the callback's error");
        };
        assert_eq!(at, 10);
        assert_eq!(count, 11);
    }

    #[test]
    fn unspent_pool_transactions_and_uxouts_match_the_exports() {
        let db = BoltDb::open(chain(MAIN)).unwrap();
        let cases = [
            (
                "unspent_pool",
                "blockchain-180.unspent.jsonl",
                "uxid",
                "raw",
            ),
            (
                "transactions",
                "blockchain-180.history-txns.jsonl",
                "txid",
                "value_hex",
            ),
            (
                "uxouts",
                "blockchain-180.history-uxouts.jsonl",
                "uxid",
                "value_hex",
            ),
        ];
        for (bucket, file, key, value) in cases {
            let want: BTreeMap<Vec<u8>, Vec<u8>> = jsonl(file)
                .iter()
                .map(|l| (hex_of(l, key), hex_of(l, value)))
                .collect();
            let got: BTreeMap<Vec<u8>, Vec<u8>> = db
                .bucket(bucket.as_bytes())
                .unwrap()
                .unwrap()
                .iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(got.len(), want.len(), "{bucket}");
            assert_eq!(got, want, "{bucket}");
            // Point lookups agree with the walk.
            let b = db.bucket(bucket.as_bytes()).unwrap().unwrap();
            for (k, v) in &want {
                assert_eq!(b.get(k).unwrap().as_ref(), Some(v));
            }
            assert_eq!(b.get(&[0xff; 32]).unwrap(), None);
            assert_eq!(b.get(b"").unwrap(), None);
        }
    }

    #[test]
    fn address_indexes_match_the_export() {
        let db = BoltDb::open(chain(MAIN)).unwrap();
        let indexes = json("blockchain-180.indexes.json");
        for (bucket, listed) in indexes.as_object().unwrap() {
            let want: BTreeMap<Vec<u8>, Vec<u8>> = listed
                .as_object()
                .unwrap()
                .iter()
                .map(|(addr, ids)| {
                    let addr: Address = addr.parse().unwrap();
                    let ids = ids.as_array().unwrap();
                    let mut value = (ids.len() as u32).to_le_bytes().to_vec();
                    for id in ids {
                        value.extend(const_hex::decode(id.as_str().unwrap()).unwrap());
                    }
                    (addr.to_bytes().to_vec(), value)
                })
                .collect();
            let got: BTreeMap<Vec<u8>, Vec<u8>> = db
                .bucket(bucket.as_bytes())
                .unwrap()
                .unwrap()
                .iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, want, "{bucket}");
        }
    }

    // ---- damage ----

    fn damaged(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.db");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn original() -> Vec<u8> {
        std::fs::read(chain(MAIN)).unwrap()
    }

    fn find(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).position(|w| w == needle).unwrap()
    }

    /// The leaf page (start offset) whose span holds byte `at`.
    fn leaf_page_holding(bytes: &[u8], at: usize, page_size: usize) -> usize {
        let mut start = at / page_size * page_size;
        loop {
            let h = PageHeader::parse(&bytes[start..]).unwrap();
            let span = (h.overflow as usize + 1) * page_size;
            if h.id == (start / page_size) as u64 && h.flags == LEAF_PAGE && at < start + span {
                return start;
            }
            start -= page_size;
        }
    }

    #[test]
    fn damaged_meta_pages_are_named() {
        let mut bytes = original();
        let page_size = BoltDb::open(chain(MAIN)).unwrap().meta().page_size as usize;
        bytes[16] ^= 0xff;
        bytes[page_size + 16] ^= 0xff;
        let (_dir, path) = damaged(&bytes);
        let err = BoltDb::open(&path).unwrap_err();
        assert_eq!(err.code(), "bolt_bad_magic", "{err}");
        assert_eq!(
            read_reference_db(&path).unwrap_err().code(),
            "bolt_bad_magic"
        );

        // Both checksums broken.
        let mut bytes = original();
        bytes[16 + 40] ^= 1;
        bytes[page_size + 16 + 40] ^= 1;
        let (_dir, path) = damaged(&bytes);
        let err = BoltDb::open(&path).unwrap_err();
        assert_eq!(err.code(), "bolt_bad_meta", "{err}");
        assert!(err.to_string().contains("checksum"), "{err}");

        // Only the newest meta broken: the previous transaction's tree is read.
        let newest = BoltDb::open(chain(MAIN)).unwrap().meta().txid;
        let mut bytes = original();
        let at = if newest % 2 == 0 { 0 } else { page_size };
        bytes[at + 16 + 40] ^= 1;
        let (_dir, path) = damaged(&bytes);
        let db = BoltDb::open(&path).unwrap();
        assert_eq!(db.meta().txid, newest - 1);
        assert_eq!(head_seq(&db).unwrap(), Some(180));
    }

    #[test]
    fn a_damaged_leaf_element_is_an_error() {
        let bytes = original();
        let ref_db = read_reference_db(chain(MAIN)).unwrap();
        let page_size = BoltDb::open(chain(MAIN)).unwrap().meta().page_size as usize;
        let hash = ref_db.blocks[5].block.hash();
        let sig_at = find(&bytes, &ref_db.blocks[5].sig.0);
        let start = leaf_page_holding(&bytes, sig_at, page_size);
        let header = PageHeader::parse(&bytes[start..]).unwrap();
        let span = (header.overflow as usize + 1) * page_size;
        let page = Page::new(header.id, bytes[start..start + span].to_vec().into()).unwrap();
        let index = (0..page.count())
            .find(|i| page.leaf(*i).unwrap().key == hash.0)
            .unwrap();

        // The key size of that element now reaches far past the page.
        let mut bad = bytes.clone();
        bad[start + 16 + index * 16 + 8 + 3] = 0x40;
        let (_dir, path) = damaged(&bad);
        let err = read_reference_db(&path).unwrap_err();
        assert_eq!(err.code(), "bolt_bad_element", "{err}");
        let db = BoltDb::open(&path).unwrap();
        let sigs = db.bucket(b"block_sigs").unwrap().unwrap();
        let err = sigs.iter().find_map(Result::err).unwrap();
        assert_eq!(err.code(), "bolt_bad_element", "{err}");

        // The page type byte changed.
        let mut bad = bytes.clone();
        bad[start + 8] = 0x10;
        let (_dir, path) = damaged(&bad);
        let err = read_reference_db(&path).unwrap_err();
        assert_eq!(err.code(), "bolt_bad_page_type", "{err}");

        // A flipped byte of the signature value is not a BoltDB error, but the
        // signature no longer matches: caught when the chain is verified; a
        // flipped byte of a block is caught here.
        let block_at = find(&bytes, &encode(&ref_db.blocks[5].block));
        let mut bad = bytes.clone();
        bad[block_at + 20] ^= 1; // inside the header's time
        let (_dir, path) = damaged(&bad);
        let err = read_reference_db(&path).unwrap_err();
        assert_eq!(err.code(), "skycoin_block_mismatch", "{err}");
        assert!(err.to_string().contains("block 5"), "{err}");
        let mut bad = bytes.clone();
        bad[block_at + 124] ^= 0x80; // the transaction count
        let (_dir, path) = damaged(&bad);
        let err = read_reference_db(&path).unwrap_err();
        assert_eq!(err.code(), "skycoin_bad_value", "{err}");
    }

    #[test]
    fn a_truncated_file_is_an_error() {
        let bytes = original();
        let (_dir, path) = damaged(&bytes[..bytes.len() / 2]);
        let err = read_reference_db(&path).unwrap_err();
        assert!(
            matches!(err.code(), "bolt_truncated" | "bolt_page_out_of_range"),
            "{err}"
        );
        // Meta page 0 whole, nothing else.
        let (_dir, path) = damaged(&bytes[..100]);
        assert_eq!(BoltDb::open(&path).unwrap().meta().txid % 2, 0);
        assert_eq!(
            read_reference_db(&path).unwrap_err().code(),
            "bolt_truncated"
        );
        let (_dir, path) = damaged(&bytes[..50]);
        assert_eq!(
            read_reference_db(&path).unwrap_err().code(),
            "bolt_bad_magic"
        );
        let (_dir, path) = damaged(&[]);
        assert_eq!(
            read_reference_db(&path).unwrap_err().code(),
            "bolt_bad_magic"
        );
    }

    /// Reads everything the reader can reach.
    fn read_all(path: &Path) -> Result<(), BoltError> {
        let db = BoltDb::open(path)?;
        for name in db.bucket_names()? {
            if let Some(b) = db.bucket(&name)? {
                for e in b.iter() {
                    e?;
                }
            }
        }
        read_reference_db(path).map(|_| ())
    }

    #[test]
    fn random_single_byte_flips_never_panic() {
        let bytes = original();
        let db = BoltDb::open(chain(MAIN)).unwrap();
        // Flip inside the pages in use; the rest of the file is free space.
        let used = (db.meta().pgid * u64::from(db.meta().page_size)) as usize;
        let used = used.min(bytes.len());
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_b017);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.db");
        let mut errors = 0;
        // SKYX_BOLT_FLIPS raises the count for a longer local run.
        let rounds = std::env::var("SKYX_BOLT_FLIPS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(300);
        for i in 0..rounds {
            let at = rng.gen_range(0..used);
            let mask: u8 = rng.gen_range(1..=255);
            let mut bad = bytes.clone();
            bad[at] ^= mask;
            std::fs::write(&path, &bad).unwrap();
            let result = std::panic::catch_unwind(|| read_all(&path));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(_)) => errors += 1,
                Err(_) => panic!("iteration {i}: panic after flipping byte {at} with {mask:#04x}"),
            }
        }
        assert!(errors > 0);
    }
}
