CREATE TABLE "expected_agencies" (
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	CONSTRAINT "expected_agencies_period_id_agency_code_pk" PRIMARY KEY("period_id","agency_code")
);
--> statement-breakpoint
CREATE TABLE "report_evidence" (
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	"document_id" uuid NOT NULL,
	CONSTRAINT "report_evidence_period_id_agency_code_document_id_pk" PRIMARY KEY("period_id","agency_code","document_id")
);
--> statement-breakpoint
CREATE TABLE "report_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_key_id" uuid,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"period_id" text NOT NULL,
	"agency_code" text NOT NULL,
	"state" text DEFAULT 'draft' NOT NULL,
	"narrative" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"first_submitted_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"return_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_period_id_agency_code_pk" PRIMARY KEY("period_id","agency_code"),
	CONSTRAINT "reports_state_check" CHECK ("reports"."state" in ('draft','submitted','accepted','returned'))
);
--> statement-breakpoint
ALTER TABLE "expected_agencies" ADD CONSTRAINT "expected_agencies_period_id_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."periods"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "expected_agencies" ADD CONSTRAINT "expected_agencies_agency_code_agencies_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "report_evidence" ADD CONSTRAINT "report_evidence_period_id_agency_code_reports_period_id_agency_code_fk" FOREIGN KEY ("period_id","agency_code") REFERENCES "public"."reports"("period_id","agency_code") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_transitions" ADD CONSTRAINT "report_transitions_period_id_agency_code_reports_period_id_agency_code_fk" FOREIGN KEY ("period_id","agency_code") REFERENCES "public"."reports"("period_id","agency_code") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_period_id_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."periods"("id") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_agency_code_agencies_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "report_transitions_report_idx" ON "report_transitions" USING btree ("period_id","agency_code","id");