//! Making a host: on a world, on a state, on a data directory; and what
//! a host is made of, for the tools around it (its world, its log, its
//! deliveries, its raft node).

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::ratelimit::RateLimiter;
use crate::{
    DEFAULT_WORLD, Host, HostState, RateLimit, World, WorldError, cluster, deliver, durable, portal,
};

impl Host {
    /// A host on the compiled-in world.
    ///
    /// # Errors
    /// As [`Host::from_json`]; the default world is valid.
    pub fn default_world() -> Result<Self, WorldError> {
        Self::from_json(DEFAULT_WORLD)
    }

    /// A host on a world given as JSON.
    ///
    /// # Errors
    /// [`WorldError`] naming the first entry that is malformed or breaks
    /// the engine's rules or capacities.
    pub fn from_json(text: &str) -> Result<Self, WorldError> {
        Self::new(&World::from_json(text)?)
    }

    /// A host on a world.
    ///
    /// # Errors
    /// As [`Host::from_json`].
    pub fn new(world: &World) -> Result<Self, WorldError> {
        Self::with_clock(world, false)
    }

    /// A host on a world; with `deterministic`, its time blocks come from
    /// a stepped clock (see [`Settings::deterministic`](crate::Settings::deterministic)).
    ///
    /// # Errors
    /// As [`Host::from_json`].
    pub fn with_clock(world: &World, deterministic: bool) -> Result<Self, WorldError> {
        Self::from_state(HostState::from_world(world)?, deterministic)
    }

    /// A host on a state (in memory).
    ///
    /// # Errors
    /// The state's seed world names a client id its directory lacks.
    pub fn from_state(state: HostState, deterministic: bool) -> Result<Self, WorldError> {
        Self::from_shared(Arc::new(Mutex::new(state)), deterministic)
    }

    /// A host on a state another owner changes too (a raft state machine).
    pub(crate) fn from_shared(
        state: durable::SharedState,
        deterministic: bool,
    ) -> Result<Self, WorldError> {
        let credentials = {
            let state = state.lock().unwrap_or_else(|e| e.into_inner());
            state.seed.credentials_for(&state.apps)?
        };
        Ok(Self {
            state,
            durable: None,
            deliverer: Arc::default(),
            credentials,
            operating: Default::default(),
            rate_limit: None,
            rate_limiter: None,
            clock: Clock::new(deterministic),
            cluster: None,
        })
    }

    /// A host on `world` whose state lives in `dir`: recovered from it when
    /// it holds any (the world file then only seeds nothing: a world that
    /// differs from the one the state was seeded from is reported and
    /// ignored), else the world's, and kept there from now on.
    ///
    /// # Errors
    /// Why the world or the directory cannot be used.
    pub fn durable_in(world: &World, dir: &Path, config: durable::Config) -> Result<Self, String> {
        Self::durable_with_clock(world, dir, config, false)
    }

    /// As [`Host::durable_in`], with the stepped clock when
    /// `deterministic` (see [`Settings::deterministic`](crate::Settings::deterministic)).
    ///
    /// # Errors
    /// Why the world or the directory cannot be used.
    pub fn durable_with_clock(
        world: &World,
        dir: &Path,
        config: durable::Config,
        deterministic: bool,
    ) -> Result<Self, String> {
        let where_ = |e: String| format!("{}: {e}", dir.display());
        let mut storage = durable::FsStorage::new(dir).map_err(|e| where_(e.to_string()))?;
        let (state, seq, recovered) = durable::open(world, &mut storage).map_err(where_)?;
        durable::report(dir, recovered.as_ref());
        if recovered.is_some() {
            if let Some(differs) = world.differences(&state.seed) {
                eprintln!(
                    "{}: holds state seeded from another world; the world file is ignored \
                     (it differs in {differs})",
                    dir.display()
                );
            }
        }
        let mut host = Self::from_state(state, deterministic).map_err(|e| where_(e.to_string()))?;
        let log = durable::Durable::start(storage, &host.state(), seq, config).map_err(where_)?;
        host.durable = Some(Arc::new(log));
        Ok(host)
    }

    /// The durable log, for a host with a data directory.
    pub fn durable(&self) -> Option<&durable::Durable> {
        self.durable.as_deref()
    }

    /// The events pushed to bots' handlers: where they stand, and the
    /// domain they name.
    #[must_use]
    pub fn deliveries(&self) -> &deliver::Deliverer {
        &self.deliverer
    }

    /// The world now, as a world file: what `GET /__control/world`
    /// answers.
    #[must_use]
    pub fn dump(&self) -> World {
        portal::dump(&self.state())
    }

    /// The world now, as [`Host::dump`], once what it shows is durable:
    /// a dump never shows a change a crash could undo.
    ///
    /// # Errors
    /// The data directory could not be written, so the dump may show a
    /// change that is not durable.
    pub async fn durable_dump(&self) -> Result<World, durable::NotDurable> {
        let (world, wait) = {
            let state = self.state();
            let wait = self.durable().map(durable::Durable::appended);
            (portal::dump(&state), wait)
        };
        if let (Some(log), Some(seq)) = (self.durable(), wait) {
            log.durable(seq).await?;
        }
        Ok(world)
    }

    /// The world the state was seeded from.
    #[must_use]
    pub fn seed(&self) -> World {
        self.state().seed.clone()
    }

    /// Limits each caller (an OAuth application, a webhook) to `limit`;
    /// calls over it are answered 503 `QUERY_LIMIT_EXCEEDED`. Off unless
    /// set.
    #[must_use]
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self.rate_limiter = Some(RateLimiter::new(limit));
        self
    }

    /// The rate limit set with [`Host::with_rate_limit`], if any.
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// The raft node, for a replicated host.
    #[must_use]
    pub fn cluster(&self) -> Option<&cluster::Node> {
        self.cluster.as_deref()
    }
}
