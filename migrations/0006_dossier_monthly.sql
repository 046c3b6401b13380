CREATE TABLE "dossier_monthly" (
	"agency_code" text NOT NULL,
	"procedure_code" text NOT NULL,
	"source" text NOT NULL,
	"bucket" text NOT NULL,
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
	CONSTRAINT "dossier_monthly_agency_code_procedure_code_source_bucket_pk" PRIMARY KEY("agency_code","procedure_code","source","bucket")
);
--> statement-breakpoint
CREATE INDEX "dossier_monthly_bucket_idx" ON "dossier_monthly" USING btree ("bucket","agency_code");--> statement-breakpoint
INSERT INTO "dossier_monthly" ("agency_code", "procedure_code", "source", "bucket", "received_new", "received_online", "received_in_person", "received_postal", "resolved", "resolved_early", "resolved_on_time", "resolved_late", "withdrawn", "carried_over", "pending", "pending_within", "pending_overdue", "as_of")
SELECT "agency_code", "procedure_code", "source", to_char(("day" - 14) + interval '1 month', 'YYYY-MM'),
  sum("received_new"), sum("received_online"), sum("received_in_person"), sum("received_postal"), sum("resolved"), sum("resolved_early"), sum("resolved_on_time"), sum("resolved_late"), sum("withdrawn"),
  (array_agg("carried_over" ORDER BY "day"))[1], (array_agg("pending" ORDER BY "day" DESC))[1], (array_agg("pending_within" ORDER BY "day" DESC))[1], (array_agg("pending_overdue" ORDER BY "day" DESC))[1], max("as_of")
FROM "dossier_counts" GROUP BY 1, 2, 3, 4;
