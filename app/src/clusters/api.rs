//! The clusters area's server functions: registration, overviews, nodes.

use berth_api::{
    AppError, ClusterInput, ClusterOverview, ClusterSummary, ClusterTenancyInput, DrainReport,
    KubeconfigContexts, ListQuery, NodeChange, NodeDetail, NodeSummary, Page,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::api::backend;
use crate::api::endpoint;

endpoint! {
    needs: Permission(ClusterRead),
    #[server(prefix = "/api", endpoint = "clusters/list")]
    pub async fn list_clusters() -> Result<Vec<ClusterSummary>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .list_clusters(&call.principal)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterCreate),
    #[server(prefix = "/api", endpoint = "clusters/contexts")]
    pub async fn read_kubeconfig_contexts(kubeconfig: String) -> Result<KubeconfigContexts, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .kubeconfig_contexts(&call.principal, &kubeconfig)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterCreate),
    #[server(prefix = "/api", endpoint = "clusters/create")]
    pub async fn create_cluster(input: ClusterInput) -> Result<ClusterSummary, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .create_cluster(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterUpdate),
    #[server(prefix = "/api", endpoint = "clusters/update")]
    pub async fn update_cluster(id: i64, input: ClusterInput) -> Result<ClusterSummary, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .update_cluster(&call.principal, id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterUpdate),
    #[server(prefix = "/api", endpoint = "clusters/tenancy")]
    pub async fn update_cluster_tenancy(
        id: i64,
        input: ClusterTenancyInput,
    ) -> Result<ClusterSummary, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .update_cluster_tenancy(&call.principal, id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterDelete),
    #[server(prefix = "/api", endpoint = "clusters/delete")]
    pub async fn delete_cluster(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .delete_cluster(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterRead),
    #[server(prefix = "/api", endpoint = "clusters/check")]
    pub async fn check_cluster(id: i64) -> Result<ClusterSummary, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .check_cluster(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(ClusterRead),
    #[server(prefix = "/api", endpoint = "clusters/overview")]
    pub async fn get_cluster_overview(id: i64) -> Result<ClusterOverview, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .cluster_overview(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(NodeRead),
    #[server(prefix = "/api", endpoint = "nodes/list")]
    pub async fn list_nodes(cluster_id: i64, query: ListQuery) -> Result<Page<NodeSummary>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .list_nodes(&call.principal, cluster_id, &query)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(NodeRead),
    #[server(prefix = "/api", endpoint = "nodes/get")]
    pub async fn get_node(cluster_id: i64, name: String) -> Result<NodeDetail, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .get_node(&call.principal, cluster_id, &name)
                .await,
        )
    }
}

endpoint! {
    // The permission depends on the change: cordon (as the matrix sends),
    // drain and maintenance, or labels and taints.
    needs: Permission(NodeCordon),
    #[server(prefix = "/api", endpoint = "nodes/change")]
    pub async fn change_node(
        cluster_id: i64,
        name: String,
        change: NodeChange,
    ) -> Result<DrainReport, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .clusters()
                .change_node(&call.principal, cluster_id, &name, change)
                .await,
        )
    }
}
