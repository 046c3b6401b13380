CREATE TABLE "dossier_counts" (
	"agency_code" text NOT NULL,
	"procedure_code" text NOT NULL,
	"day" date NOT NULL,
	"source" text NOT NULL,
	"received_new" integer,
	"carried_over" integer,
	"received_online" integer,
	"received_in_person" integer,
	"received_postal" integer,
	"resolved" integer,
	"resolved_early" integer,
	"resolved_on_time" integer,
	"resolved_late" integer,
	"pending" integer,
	"pending_within" integer,
	"pending_overdue" integer,
	"withdrawn" integer,
	"as_of" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dossier_counts_agency_code_procedure_code_day_source_pk" PRIMARY KEY("agency_code","procedure_code","day","source")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"principal_key_id" uuid NOT NULL,
	"route" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_principal_key_id_route_key_pk" PRIMARY KEY("principal_key_id","route","key")
);
--> statement-breakpoint
ALTER TABLE "dossier_counts" ADD CONSTRAINT "dossier_counts_agency_code_agencies_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "dossier_counts" ADD CONSTRAINT "dossier_counts_procedure_code_procedures_code_fk" FOREIGN KEY ("procedure_code") REFERENCES "public"."procedures"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "dossier_counts_day_idx" ON "dossier_counts" USING btree ("day","agency_code");