//! The create / edit / delete state every list page keeps, in one place.

use berth_api::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Serialize};

use super::ConfirmDelete;
use crate::api::Call;

/// A server function a list page calls: create, update or delete.
pub trait ListCall:
    ServerFn<Output: DeserializeOwned + Clone + Send + Sync + 'static, Error = AppError>
    + Serialize
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> ListCall for S where
    S: ServerFn<Output: DeserializeOwned + Clone + Send + Sync + 'static, Error = AppError>
        + Serialize
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Which item the form is open for (`Some(None)` while creating), which
/// item waits for a delete confirmation, and the three actions. A save that
/// succeeds closes the form; a delete that succeeds closes the confirmation.
pub struct ListActions<Item, C, U, D>
where
    Item: Send + Sync + 'static,
    C: ListCall,
    U: ListCall,
    D: ListCall,
{
    pub editing: RwSignal<Option<Option<Item>>>,
    pub deleting: RwSignal<Option<Item>>,
    pub create: Call<C>,
    pub update: Call<U>,
    pub delete: Call<D>,
}

impl<Item, C, U, D> Clone for ListActions<Item, C, U, D>
where
    Item: Send + Sync + 'static,
    C: ListCall,
    U: ListCall,
    D: ListCall,
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<Item, C, U, D> Copy for ListActions<Item, C, U, D>
where
    Item: Send + Sync + 'static,
    C: ListCall,
    U: ListCall,
    D: ListCall,
{
}

impl<Item, C, U, D> ListActions<Item, C, U, D>
where
    Item: Clone + Send + Sync + 'static,
    C: ListCall,
    U: ListCall,
    D: ListCall,
{
    pub fn new() -> Self {
        let this = ListActions {
            editing: RwSignal::new(None),
            deleting: RwSignal::new(None),
            create: Call::new(),
            update: Call::new(),
            delete: Call::new(),
        };
        Effect::new(move || {
            if this.create.succeeded() || this.update.succeeded() {
                this.editing.set(None);
            }
        });
        Effect::new(move || {
            if this.delete.succeeded() {
                this.deleting.set(None);
            }
        });
        this
    }

    /// Changes whenever one of the actions has finished: lists reload on it.
    pub fn changes(&self) -> usize {
        self.create.version().get() + self.update.version().get() + self.delete.version().get()
    }

    /// Opens the form, empty (`None`) or for `target`, without old errors.
    pub fn open(&self, target: Option<Item>) {
        self.create.clear();
        self.update.clear();
        self.editing.set(Some(target));
    }

    pub fn close(&self) {
        self.editing.set(None);
    }

    /// Asks to confirm deleting `item`.
    pub fn ask_delete(&self, item: Item) {
        self.delete.clear();
        self.deleting.set(Some(item));
    }

    /// The form's error: of the update when editing, else of the create.
    pub fn form_error(&self, editing: bool) -> Signal<Option<AppError>> {
        if editing {
            self.update.error()
        } else {
            self.create.error()
        }
    }

    /// A save is under way.
    pub fn saving(&self) -> Signal<bool> {
        let this = *self;
        Signal::derive(move || this.create.pending().get() || this.update.pending().get())
    }

    /// The delete confirmation, while one is asked for: names the item and
    /// sends `request(item)` when confirmed.
    pub fn confirm_delete(
        &self,
        name: impl Fn(&Item) -> String + Send + Sync + 'static,
        request: impl Fn(&Item) -> D + Send + Sync + 'static,
    ) -> impl IntoView {
        let this = *self;
        move || {
            this.deleting.get().map(|item| {
                let call = request(&item);
                view! {
                    <ConfirmDelete
                        name=name(&item)
                        on_confirm=Callback::new(move |_| { this.delete.dispatch(call.clone()); })
                        on_cancel=Callback::new(move |_| this.deleting.set(None))
                        pending=this.delete.pending().into()
                        error=this.delete.error()
                    />
                }
            })
        }
    }
}
