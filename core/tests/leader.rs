//! The leader lease on SQLite, PostgreSQL and MariaDB: one holder at a
//! time, renewal by the holder, takeover once a lease expires, release.

use std::time::{Duration, Instant};

use berth_core::{db::lease::Lease, db_test, testing::TestDb};

db_test!(
    one_holder_at_a_time_and_takeover_after_expiry,
    |t: TestDb| async move {
        let ttl = Duration::from_millis(800);
        let a = Lease::new(t.db.clone(), "work", "process-a", ttl);
        let b = Lease::new(t.db.clone(), "work", "process-b", ttl);
        let other_name = Lease::new(t.db.clone(), "other-work", "process-b", ttl);
        assert!(a.try_hold().await.unwrap(), "the first bid wins");
        assert!(!b.try_hold().await.unwrap(), "a live lease is not taken");
        assert!(other_name.try_hold().await.unwrap(), "leases are per name");
        assert!(a.try_hold().await.unwrap(), "the holder renews");
        assert!(!b.try_hold().await.unwrap());
        assert_eq!(
            b.current_holder().await.unwrap().as_deref(),
            Some("process-a")
        );
        // a stops renewing: b gets the lease once it expires.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !b.try_hold().await.unwrap() {
            assert!(
                Instant::now() < deadline,
                "b never took over the expired lease"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            !a.try_hold().await.unwrap(),
            "the old holder cannot renew a lease it lost"
        );
        assert_eq!(
            a.current_holder().await.unwrap().as_deref(),
            Some("process-b")
        );
        // A released lease is free at once.
        b.release().await.unwrap();
        assert_eq!(a.current_holder().await.unwrap(), None);
        assert!(a.try_hold().await.unwrap());
    }
);
