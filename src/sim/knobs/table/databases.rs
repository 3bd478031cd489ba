//! The knobs of a database: a connection pooler and the connection limit.

use super::{always, count_or_none};
use crate::sim::knobs::{Knob, Live, Owner, Unit};
use crate::sim::services::database::PoolerSpec;

pub(super) const POOLER: Knob = Knob {
    property: "pooler",
    owner: Owner::Database,
    unit: Unit::CountOrNone,
    help: "a connection pooler's pool size (none = direct connections)",
    range: |_| (1.0, 500.0),
    applies: always,
    read: |c, i| count_or_none(c.databases[i].pooler.as_ref().map(|p| p.pool_size)),
    write: |c, i, v| c.databases[i].pooler = v.count_or_none().map(|pool_size| PoolerSpec { pool_size }),
    live: Live::No,
};

pub(super) const MAX_CONNECTIONS: Knob = Knob {
    property: "max_connections",
    owner: Owner::Database,
    unit: Unit::Count,
    help: "the database's connection limit",
    range: |_| (10.0, 5000.0),
    applies: always,
    read: |c, i| c.databases[i].max_connections.to_string(),
    write: |c, i, v| c.databases[i].max_connections = v.count(),
    live: Live::No,
};
